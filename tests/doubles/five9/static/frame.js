// Frames the page named by ?widget= (the widget URL as the Five9 admin configured it).
(function () {
  var widget = new URLSearchParams(location.search).get("widget");
  if (widget) document.getElementById("widget").src = widget;
})();
