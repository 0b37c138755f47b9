/**
 * `npm run rules:test -- [FILES_OR_DIRS] [--catalogue DIR]`: runs the programme rule tests (YAML cases), by
 * default those in data/programmes/tests/, against the catalogue in data/programmes/. Prints every case, and for a
 * mismatch the expected and actual status with the full trace; exits 1 on any mismatch, 2 if the catalogue is invalid.
 */
import { rulesTestCli } from '../src/features/programmes/rule-tests.ts';

const { code, output } = rulesTestCli(process.argv.slice(2));
process.stdout.write(`${output}\n`);
process.exitCode = code;
