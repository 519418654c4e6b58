/**
 * Jest runs in ESM mode (Nest 12 is ESM-only): `node --experimental-vm-modules`.
 * ts-jest transpiles each file on its own (isolatedModules); `npm run typecheck`
 * does the whole-program type check once instead of per test file.
 */
const transform = {
  '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: '<rootDir>/tsconfig.json' }],
};
const common = {
  extensionsToTreatAsEsm: ['.ts'],
  moduleFileExtensions: ['ts', 'js', 'json'],
  transform,
  moduleNameMapper: {
    '^nestjs-transport-nsq$': '<rootDir>/libs/nsq-transport/src/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  testEnvironment: 'node',
};

export default {
  rootDir: '.',
  testTimeout: 60000,
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/libs/*/test/**/*.spec.ts'],
    },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/**/*.spec.ts'],
      testPathIgnorePatterns: ['<rootDir>/test/bench/'],
    },
  ],
};
