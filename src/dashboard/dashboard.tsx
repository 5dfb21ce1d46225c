/**
 * The live dashboard of `serve` (Ink): a header, the feed, what waits for the operator (pairing codes
 * and held messages, approved with a key), recent errors, and a key help line. It redraws from
 * snapshots at most five times a second.
 */
import { Box, Text, useApp, useInput } from 'ink';
import { useEffect, useRef, useState } from 'react';
import { redact } from '../secrets/redact.js';
import { safeForTerminal } from '../text/terminal-safe.js';
import type { DashboardModel, DashboardSnapshot, WaitingItem } from './model.js';
import { commandPrefix } from '../command-prefix.js';

/** Outside text (a stranger's number, a held body, an action's answer) as the terminal may show it. */
const shown = (text: string) => safeForTerminal(redact(text), { max: 300 });

export interface DashboardHeader {
  publicUrl: string;
  tunnel: string;
  signatures: 'verified' | 'SKIPPED';
  policy: string;
  sandboxNumber?: string;
  /** The simulated handset `t` texts from first; Tab moves to another. @default +15550001111 */
  handset?: string;
  /** Commands to try from another terminal, shown while the feed is empty. */
  tryIt?: string[];
}

export interface DashboardActions {
  /** Pairing codes and held messages, fresh from the store. */
  waiting(): Promise<WaitingItem[]>;
  approve(item: WaitingItem): Promise<string>;
  reject(item: WaitingItem): Promise<string>;
  /** With the sandbox: a simulated handset texts the number. */
  textAsHandset?(body: string, handset: string): Promise<string>;
  quit(): void;
}

export interface DashboardProps {
  header: DashboardHeader;
  model: DashboardModel;
  actions: DashboardActions;
  /** @default 200 */
  refreshMs?: number;
  /** Feed lines shown. @default 12 */
  feedLines?: number;
}

const DEFAULT_HANDSET = '+15550001111';

/** The next simulated handset: +15550001111 -> +15550001112 (the last four digits count up and wrap). */
export function nextHandset(handset: string): string {
  const m = /^(\+\d*?)(\d{4})$/.exec(handset);
  if (!m) return DEFAULT_HANDSET;
  return `${m[1]}${String((Number(m[2]) + 1) % 10_000).padStart(4, '0')}`;
}

const COLORS = { in: 'cyan', out: 'green', status: 'gray', info: 'white' } as const;

export function Dashboard({ header, model, actions, refreshMs = 200, feedLines = 12 }: DashboardProps) {
  const { exit } = useApp();
  const [snap, setSnap] = useState<DashboardSnapshot>(model.snapshot());
  // The key handler reads refs: a key pressed right after an update must see that update.
  const waitingRef = useRef<WaitingItem[]>([]);
  const [waiting, setWaitingView] = useState<WaitingItem[]>([]);
  const setWaiting = (items: WaitingItem[]) => {
    waitingRef.current = items;
    setWaitingView(items);
  };
  const selectedRef = useRef(0);
  const [selected, setSelectedView] = useState(0);
  const setSelected = (next: (n: number) => number) => {
    selectedRef.current = next(selectedRef.current);
    setSelectedView(selectedRef.current);
  };
  const [notice, setNotice] = useState('');
  const handsetRef = useRef(header.handset ?? DEFAULT_HANDSET);
  const [handset, setHandsetView] = useState(handsetRef.current);
  // Keys can arrive faster than renders: keep what is being typed in a ref, and mirror it for display.
  const typed = useRef<string | null>(null);
  const [typing, setTypingView] = useState<string | null>(null);
  const setTyping = (value: string | null) => {
    typed.current = value;
    setTypingView(value);
  };

  useEffect(() => {
    let alive = true;
    const tick = async () => {
      setSnap(model.snapshot());
      try {
        const items = await actions.waiting();
        if (alive) setWaiting(items);
      } catch (err) {
        // The store can fail under serve (a PostgreSQL restart): say so, keep the last list, try again next tick.
        if (alive) setNotice(`error: cannot read what waits: ${(err as Error).message}`);
      }
    };
    void tick();
    const timer = setInterval(() => void tick(), refreshMs);
    return () => {
      alive = false;
      clearInterval(timer);
    };
  }, [model, actions, refreshMs]);

  const act = (work: Promise<string>) => work.then(setNotice, (err: Error) => setNotice(`error: ${err.message}`));

  useInput((input, key) => {
    const current = typed.current;
    if (current !== null) {
      // A fast terminal (or a paste) can deliver the text and Enter in one chunk.
      const newline = input.search(/[\r\n]/);
      if (key.return || newline >= 0) {
        const body = current + (newline >= 0 ? input.slice(0, newline) : '');
        setTyping(null);
        if (body.trim() && actions.textAsHandset) act(actions.textAsHandset(body, handsetRef.current));
      } else if (key.tab) {
        // Another handset: one already paired would never show pairing again.
        handsetRef.current = nextHandset(handsetRef.current);
        setHandsetView(handsetRef.current);
      } else if (key.escape) setTyping(null);
      else if (key.backspace || key.delete) setTyping(current.slice(0, -1));
      else setTyping(current + input);
      return;
    }
    const items = waitingRef.current;
    const item = items[Math.min(selectedRef.current, items.length - 1)];
    if (input === 'q') {
      actions.quit();
      exit();
    } else if (key.upArrow) setSelected((n) => Math.max(0, n - 1));
    else if (key.downArrow) setSelected((n) => Math.min(Math.max(0, items.length - 1), n + 1));
    else if (input === 'a' && item) act(actions.approve(item));
    else if (input === 'r' && item) act(actions.reject(item));
    else if (input === 't' && actions.textAsHandset) setTyping('');
  });

  const c = snap.counts;
  return (
    <Box flexDirection="column">
      <Box borderStyle="round" paddingX={1} flexDirection="column">
        <Text>
          <Text bold>{commandPrefix()} serve</Text>  {shown(header.publicUrl)}  tunnel: {header.tunnel}  policy: {header.policy}
        </Text>
        <Text>
          signatures: {header.signatures === 'verified' ? <Text color="green">verified</Text> : <Text color="red" bold>SKIPPED (loopback only)</Text>}  in: {c.inbound}  out: {c.outbound}  refused: {c.refused}  errors: {c.errors}
          {header.sandboxNumber ? `  sandbox number: ${header.sandboxNumber}` : ''}
        </Text>
        {snap.orphaned.count ? (
          <Text color="red">
            orphaned webhooks: {snap.orphaned.count} (newest {snap.orphaned.newestAt} UTC): texts an instance stopped handling, which did not reach the agent
          </Text>
        ) : null}
      </Box>
      <Text bold>Messages</Text>
      {snap.feed.slice(-feedLines).map((f, i) => (
        <Text key={i} color={COLORS[f.kind]} wrap="truncate-end">
          {f.at} {f.kind === 'in' ? '<-' : f.kind === 'out' ? '->' : '  '} {f.text}
        </Text>
      ))}
      {snap.traffic ? null : <EmptyFeed tryIt={header.tryIt} startUpOnly={snap.feed.length > 0} />}
      <Text bold>Waiting for you ({waiting.length})</Text>
      {waiting.map((w, i) => (
        <Text key={w.id} inverse={i === Math.min(selected, waiting.length - 1)}>
          {w.kind === 'pairing' ? 'pairing ' : 'approval'} {shown(w.id)}  {shown(w.who)}  {shown(w.detail)}
        </Text>
      ))}
      {snap.errors.length ? <Text bold color="red">Recent errors</Text> : null}
      {snap.errors.slice(-4).map((e, i) => (
        <Text key={i} color="red" wrap="truncate-end">
          {e.at} {e.text}
        </Text>
      ))}
      {notice ? <Text color="yellow">{shown(notice)}</Text> : null}
      {typing !== null ? <Text>text as {handset}: {shown(typing)}_ (Enter sends, Tab: another handset, Esc cancels)</Text> : null}
      <Text dimColor>↑↓ select · a approve · r reject{actions.textAsHandset ? ` · t text as ${handset}` : ''} · q quit</Text>
    </Box>
  );
}

/** Until the first message or call: the start-up lines (if any) are followed by what to try. */
function EmptyFeed({ tryIt, startUpOnly }: { tryIt?: string[]; startUpOnly: boolean }) {
  const nothing = startUpOnly ? 'no messages or calls yet' : 'nothing yet';
  if (!tryIt?.length) return startUpOnly ? null : <Text dimColor>{nothing}</Text>;
  return (
    <Box flexDirection="column">
      <Text dimColor>{nothing}. Try it from another terminal:</Text>
      {tryIt.map((line) => (
        <Text key={line}>  {line}</Text>
      ))}
    </Box>
  );
}
