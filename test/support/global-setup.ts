// Runs once before the suite: says which back end the run uses, so a log shows it.
import { testProvider } from './database.ts';

export default function setup(): void {
  console.log(
    `Flowdeck tests against ${testProvider}${testProvider === 'postgres' ? ` (${process.env.DATABASE_URL?.replace(/\/\/[^@]*@/, '//***@')})` : ''}`,
  );
}
