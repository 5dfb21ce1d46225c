/** The `send` command's definition: registered by the full tree and by the send-only tree alike. */
import type { Command } from 'commander';
import { collect, lazy } from './tree.js';

export function registerSendCommand(root: Command): void {
  root
    .command('send')
    .description('send an SMS or MMS, a dry run, or a batch')
    .argument('[to]', 'recipient, E.164 (e.g. +15550005678)')
    .argument('[body]', 'the text; - reads it from standard input')
    .option('--body-file <path>', 'read the body from a file (UTF-8, or UTF-16/UTF-8 with a byte-order mark)')
    .option('--from <e164>', 'sender number (default: fromNumber / TWILIO_PHONE_NUMBER)')
    .option('--messaging-service <MG>', 'send through a Messaging Service (wins over --from)')
    .option('--media <url|file>', 'attach media, making it MMS (repeatable, up to 10): a public URL, or a local file served to Twilio by a running serve', collect)
    .option('--status-callback <url>', 'URL for delivery status callbacks')
    .option('--idempotency-key <key>', 'send at most once under this key')
    .option('--dry-run', 'send nothing: print chunks, encoding, segments and estimated price (with --batch/--to-file: check and price every row)')
    .option('--yes', 'do not ask for confirmation')
    .option('--default-country <code>', 'country for national numbers, e.g. US')
    .option('--rate <per-second>', 'messages per second (overrides the sender default)')
    .option('--batch <file>', 'send rows from a CSV (to,body[,media,key,from]) or NDJSON file; - for standard input')
    .option('--to-file <file>', 'send the body to every number in a file (one per line); - for standard input')
    .option('--batch-id <id>', 'name the batch: runs with the same name are one batch (each row sent once), whatever file or pipe they read')
    .option('--concurrency <n>', 'requests in flight for a batch')
    .action(lazy(() => import('./commands/send.js'), 'send'));
}
