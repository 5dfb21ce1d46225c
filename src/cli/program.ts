/**
 * The command tree. Each action imports its command module when it runs, so `--help`, `--version` and
 * every help page stay fast. Commander is imported for its types only: the OpenClaw plugin mounts the
 * tree on the Command OpenClaw hands over, the standalone binary on its own (standalone-program.ts).
 * `send` alone is also mounted by send-program.ts, which the binary loads for `send` (see bin-entry.ts).
 */
import type { Command } from 'commander';
import { markTreeRoot } from './context.js';
import { registerSendCommand } from './send-command.js';
import { collect, lazy, mountTree, type TreeHost } from './tree.js';

function registerCommands(root: Command): void {
  const auth = root.command('auth').description('Twilio credentials in the OS credential store');
  auth
    .command('login')
    .description('store the Account SID and Auth Token in the OS credential store')
    .option('--account-sid <sid>', 'Account SID (asked for on a terminal when missing)')
    .option('--auth-token-stdin', 'read the Auth Token from standard input (for scripts)')
    .option('--no-verify', 'store without checking the pair against the API')
    .action(lazy(() => import('./commands/auth.js'), 'authLogin'));
  auth
    .command('status')
    .description('where each credential comes from (never its value)')
    .action(lazy(() => import('./commands/auth.js'), 'authStatus'));
  auth
    .command('set')
    .description('store one secret in the OS credential store (read from standard input, or asked for)')
    .addArgument(root.createArgument('<key>', 'which secret').choices(['twilio.authToken', 'twilio.apiKey', 'twilio.apiSecret', 'tunnel.ngrokAuthToken', 'agent.token']))
    .action(lazy(() => import('./commands/auth.js'), 'authSet'));
  auth
    .command('logout')
    .description("remove this profile's entries from the OS credential store")
    .action(lazy(() => import('./commands/auth.js'), 'authLogout'));

  const config = root.command('config').description('find, show, check and edit the configuration');
  config.command('path').description('which configuration file is used').action(lazy(() => import('./commands/config.js'), 'configPath'));
  config.command('show').description('the resolved configuration, secrets redacted, with each value\'s source').action(lazy(() => import('./commands/config.js'), 'configShow'));
  config.command('validate').description('check the configuration file (exit 3 on errors)').action(lazy(() => import('./commands/config.js'), 'configValidate'));
  config
    .command('init')
    .description('write a commented JSON5 starter configuration')
    .option('--user', 'write it to the user config folder instead of the working directory')
    .option('--path <file>', 'write it to this file')
    .option('--force', 'overwrite an existing file')
    .action(lazy(() => import('./commands/config.js'), 'configInit'));
  config
    .command('set')
    .description('set one key of channels.telephony in the configuration file')
    .argument('<key>', 'dotted key, e.g. sms.maxLength')
    .argument('<value>', 'the value (lists: comma-separated or JSON)')
    .action(lazy(() => import('./commands/config.js'), 'configSet'));


  registerSendCommand(root);

  const messages = root.command('messages').description('read messages from the API');
  messages
    .command('list')
    .description('recent messages, newest first')
    .option('--to <e164>', 'only to this number')
    .option('--from <e164>', 'only from this number')
    .option('--since <date>', 'sent on or after (YYYY-MM-DD, or 7d, 12h)')
    .option('--limit <n>', 'at most this many', '20')
    .action(lazy(() => import('./commands/messages.js'), 'messagesList'));
  messages.command('get').description('one message').argument('<sid>', 'SM... or MM...').action(lazy(() => import('./commands/messages.js'), 'messagesGet'));

  const optouts = root.command('optouts').description('numbers that must not be messaged');
  optouts.command('list').description('every opted-out number').action(lazy(() => import('./commands/optouts.js'), 'optoutsList'));
  optouts.command('add').description('stop messaging a number').argument('<e164>').action(lazy(() => import('./commands/optouts.js'), 'optoutsAdd'));
  optouts.command('remove').description('allow messaging a number again').argument('<e164>').action(lazy(() => import('./commands/optouts.js'), 'optoutsRemove'));

  const approvals = root.command('approvals').description('outbound messages waiting for an operator (outbound.approval)');
  approvals.command('list').description('pending approvals').option('--all', 'decided ones too').action(lazy(() => import('./commands/approvals.js'), 'approvalsList'));
  approvals.command('approve').description('send it (exactly once)').argument('<id>').action(lazy(() => import('./commands/approvals.js'), 'approvalsApprove'));
  approvals.command('reject').description('never send it').argument('<id>').action(lazy(() => import('./commands/approvals.js'), 'approvalsReject'));

  const numbers = root.command('numbers').description("search, buy, list, configure and release the account's numbers");
  numbers
    .command('search')
    .description('numbers you can buy')
    .option('--country <code>', 'ISO country', 'US')
    .addOption(root.createOption('--type <type>', 'kind of number').choices(['local', 'tollfree', 'mobile']).default('local'))
    .option('--area-code <code>', 'area code (US, Canada)')
    .option('--contains <pattern>', 'digits, letters or * the number contains')
    .option('--sms', 'SMS-capable only')
    .option('--voice', 'voice-capable only')
    .option('--mms', 'MMS-capable only')
    .option('--limit <n>', 'at most this many (1-50)', '20')
    .action(lazy(() => import('./commands/numbers.js'), 'numbersSearch'));
  numbers.command('buy').description('buy a number (costs money)').argument('<e164>').option('--yes', 'confirm without asking').action(lazy(() => import('./commands/numbers.js'), 'numbersBuy'));
  numbers.command('list').description("the account's numbers").action(lazy(() => import('./commands/numbers.js'), 'numbersList'));
  numbers
    .command('configure')
    .description("set a number's webhook URLs")
    .argument('<number>', 'E.164 or PN SID')
    .option('--sms-url <url>', 'inbound SMS webhook ("" clears it)')
    .option('--voice-url <url>', 'inbound call webhook ("" clears it)')
    .option('--status-callback <url>', 'status callback URL ("" clears it)')
    .option('--to-serve', 'point all three at `serve` (publicUrl + serve.path / serve.voicePath / serve.statusPath)')
    .action(lazy(() => import('./commands/numbers.js'), 'numbersConfigure'));
  numbers
    .command('release')
    .description('give a number back to Twilio (cannot be undone)')
    .argument('<number>', 'E.164 or PN SID')
    .option('--yes', 'confirm without asking')
    .action(lazy(() => import('./commands/numbers.js'), 'numbersRelease'));

  root
    .command('serve')
    .description('run the webhook server: texts in, the agent, replies out')
    .option('--port <port>', 'port to listen on (default serve.port, 3335; 0: any free port)')
    .option('--bind <address>', 'address to listen on (default serve.bind, 127.0.0.1)')
    .option('--public-url <url>', 'the URL Twilio reaches this server at (default publicUrl)')
    .option('--configure-number', "point fromNumber's webhooks at this server, and restore them on exit")
    .addOption(root.createOption('--tunnel <provider>', 'how Twilio reaches this server (default tunnel.provider)').choices(['ngrok', 'tailscale-funnel', 'none']))
    .option('--no-dashboard', 'plain log lines on stderr instead of the live dashboard')
    .action(lazy(() => import('./commands/serve.js'), 'serve'));

  const pairing = root.command('pairing').description('who may talk to the agent (inboundPolicy "pairing")');
  pairing.command('list').description('codes waiting for approval, and the allowlist').action(lazy(() => import('./commands/pairing.js'), 'pairingList'));
  pairing.command('approve').description('let the sender of this code talk to the agent').argument('<code>').option('--notify', 'text the sender that they were admitted').action(lazy(() => import('./commands/pairing.js'), 'pairingApprove'));
  pairing.command('reject').description('refuse a pairing code').argument('<code>').action(lazy(() => import('./commands/pairing.js'), 'pairingReject'));
  pairing.command('revoke').description('take a number off the allowlist').argument('<e164>').action(lazy(() => import('./commands/pairing.js'), 'pairingRevoke'));

  const sandbox = root
    .command('sandbox')
    .description('run the local Twilio sandbox in the foreground (REST API, webhooks, handsets)')
    .option('--port <port>', 'port to listen on (default: 4010 or OPENCLAW_TELEPHONY_SANDBOX_PORT when free, else any free port; 0: any free port)')
    .option('--bind <address>', 'address to listen on', '127.0.0.1')
    .option('--data <dir>', 'keep state in this folder across restarts (default: in memory)')
    .option('--fault <spec>', 'inject faults, e.g. "429:5%,500:2%,reset:1%,latency:200ms"; Twilio error codes "30034:10%" or per recipient "30007@+15550007777"; voice "call-busy:5%,call-no-answer:5%,call-failed:2%,voice-timeout:5%,stream-drop:10%@5s,packet-loss:3%,jitter:40ms,echo:30%@120ms,seed:7" (docs/sandbox-voice.md)')
    .option('--rates <spec>', 'messages per second per sender and calls per second per account, e.g. "longcode=1,tollfree=3,shortcode=100,service=100,cps=1"')
    .option('--speed <factor>', 'run calls this many times faster than real time (TwiML waits and handset scripts; media streams stay real time)', '1')
    .action(lazy(() => import('./commands/sandbox.js'), 'sandbox'));
  sandbox
    .command('text')
    .description('a simulated handset texts one of the sandbox numbers')
    .requiredOption('--from <e164>', 'the handset number')
    .option('--to <e164>', "the sandbox number (default: the sandbox's first number)")
    .option('--media <file|url>', 'attach a file (served by the sandbox as Twilio serves MMS media) or a media URL as it is (repeatable)', collect)
    .argument('<body>', 'the text')
    .action(lazy(() => import('./commands/sandbox.js'), 'sandboxText'));
  sandbox
    .command('inbox')
    .description('what a simulated handset has received')
    .argument('<e164>', 'the handset number')
    .action(lazy(() => import('./commands/sandbox.js'), 'sandboxInbox'));
  sandbox
    .command('call')
    .description('a simulated handset calls one of the sandbox numbers and prints what it hears, turn by turn')
    .requiredOption('--from <e164>', 'the handset number')
    .option('--to <e164>', "the sandbox number (default: the sandbox's first number)")
    .option('--say <text>', 'speak after the app has said something (repeatable)', collect)
    .option('--digits <keys>', 'press these keys after the app has said something')
    .option('--script <file>', 'a JSON5 handset script (docs/sandbox-voice.md)')
    .action(lazy(() => import('./commands/sandbox-voice.js'), 'sandboxCall'));
  sandbox
    .command('calls')
    .description("the sandbox's calls, or one call's timeline")
    .argument('[callSid]', 'show this call turn by turn')
    .action(lazy(() => import('./commands/sandbox-voice.js'), 'sandboxCalls'));
  sandbox
    .command('handset')
    .description('bind a script to a handset number: outbound calls to it are answered by the script')
    .argument('<e164>', 'the handset number')
    .option('--script <file>', 'a JSON5 handset script (docs/sandbox-voice.md)')
    .option('--clear', 'answer unscripted again')
    .action(lazy(() => import('./commands/sandbox-voice.js'), 'sandboxHandset'));

  root.command('doctor').description('check Node, configuration, credentials and the store, with fixes').option('--probe', "also ask Twilio: the number's SMS webhook URL and method, recent 11200 alerts, and the last delivery state").action(lazy(() => import('./commands/doctor.js'), 'doctor'));
}

/** `completion <shell>`: scripts for the `openclaw-telephony` binary (inside OpenClaw, OpenClaw's own `completion` serves). */
function registerCompletion(root: Command): void {
  root
    .command('completion')
    .description('print a shell completion script')
    .addArgument(root.createArgument('<shell>', 'bash, zsh, fish or powershell').choices(['bash', 'zsh', 'fish', 'powershell']))
    .action(lazy(() => import('./commands/completion.js'), 'completion'));
}

/**
 * Registers the whole command tree on `root`: a fresh commander program for the standalone binary, or
 * the `telephony` command of the Command that OpenClaw hands to the plugin (no second commander copy
 * is loaded there: options and arguments come from `root`'s own factories).
 */
export function registerTelephonyTree(root: Command, host: TreeHost): Command {
  return mountTree(root, host, (r) => {
    registerCommands(r);
    return host === 'standalone' ? () => registerCompletion(r) : undefined;
  });
}
