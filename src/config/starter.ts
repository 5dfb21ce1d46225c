/** The commented JSON5 starter that `config init` writes, generated from the schema. */
import { type GroupSpec, type NodeSpec, TELEPHONY_SCHEMA } from './schema.js';
import { commandPrefix } from '../command-prefix.js';

export function renderStarterConfig(): string {
  const lines = [
    '// openclaw-telephony configuration (JSON5: comments and trailing commas are fine).',
    '// Secrets (authToken, apiSecret, ngrokAuthToken) do not belong here: run',
    '// `' + commandPrefix() + ' auth login` to keep them in the OS credential store.',
    '// Check this file with `' + commandPrefix() + ' config validate`.',
    '{',
    '  channels: {',
    '    telephony: {',
    ...renderGroup(TELEPHONY_SCHEMA, '      '),
    '    },',
    '  },',
    '}',
  ];
  return lines.join('\n') + '\n';
}

function renderGroup(group: GroupSpec, indent: string): string[] {
  const out: string[] = [];
  for (const [key, node] of Object.entries(group.children)) out.push(...renderNode(key, node, indent));
  return out;
}

function renderNode(key: string, node: NodeSpec, indent: string): string[] {
  if (node.kind === 'group') {
    return [`${indent}// ${node.description}`, `${indent}${key}: {`, ...renderGroup(node, indent + '  '), `${indent}},`];
  }
  const comment = `${indent}// ${node.description}${node.values ? ` One of: ${node.values.join(', ')}.` : ''}`;
  if (node.secret) return [comment, `${indent}// ${key}: (use \`auth login\` or an environment variable)`];
  if (node.default === undefined) return [comment, `${indent}// ${key}: ${exampleFor(key, node.kind)},`];
  return [comment, `${indent}${key}: ${JSON.stringify(node.default)},`];
}

function exampleFor(key: string, kind: string): string {
  if (kind === 'e164') return '"+15550001234"';
  if (kind === 'url') return '"https://example.com"';
  if (key === 'accountSid') return '"AC0123456789abcdef0123456789abcdef"';
  if (key === 'messagingServiceSid') return '"MG0123456789abcdef0123456789abcdef"';
  if (key === 'apiKey') return '"SK0123456789abcdef0123456789abcdef"';
  return '""';
}
