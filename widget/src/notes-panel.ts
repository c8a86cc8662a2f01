// The wrap-up notes form: saves the agent's summary as Genesys Cloud wrap-up notes.

export type SaveNotes = (text: string) => Promise<void>;

export class NotesPanel {
  constructor(
    private readonly section: HTMLElement,
    private readonly form: HTMLFormElement,
    private readonly input: HTMLTextAreaElement,
    private readonly status: HTMLElement,
    save: SaveNotes,
  ) {
    this.section.hidden = false;
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      void this.submit(save);
    });
  }

  private async submit(save: SaveNotes): Promise<void> {
    const text = this.input.value.trim();
    if (text === "") {
      this.status.textContent = "Write a summary first";
      return;
    }
    const button = this.form.querySelector("button");
    button?.setAttribute("disabled", "");
    this.status.textContent = "Saving…";
    try {
      await save(text);
      this.status.textContent = "Saved as wrap-up notes";
    } catch (err) {
      this.status.textContent = err instanceof Error ? err.message : "Not saved";
    } finally {
      button?.removeAttribute("disabled");
    }
  }
}
