// sfdx-lwc-jest's configuration, plus a stub for the conversation toolkit component, which
// Salesforce does not ship a jest stub for.
const { jestConfig } = require('@salesforce/sfdx-lwc-jest/config');

module.exports = {
    ...jestConfig,
    moduleNameMapper: {
        '^lightning/conversationToolkitApi$':
            '<rootDir>/jest-mocks/lightning/conversationToolkitApi/conversationToolkitApi'
    },
    testPathIgnorePatterns: [...jestConfig.testPathIgnorePatterns, '<rootDir>/.sfdx/']
};
