import { describe, expect, it } from 'vitest';
import { createEventStreamParser, type StreamEvent } from './sse';

function parse(...chunks: string[]): StreamEvent[] {
  const events: StreamEvent[] = [];
  const parser = createEventStreamParser((e) => events.push(e));
  for (const chunk of chunks) parser.feed(chunk);
  return events;
}

describe('the text/event-stream parser', () => {
  it('reads named events with ids, skipping comments', () => {
    expect(parse('event: ready\ndata: {}\n\n: keep-alive\n\nevent: task.created\nid: 7\ndata: {"a":1}\n\n')).toEqual([
      { event: 'ready', data: '{}', id: null },
      { event: 'task.created', data: '{"a":1}', id: '7' },
    ]);
  });

  it('joins data lines, takes any line ending, and events split anywhere across chunks', () => {
    const text = 'event: x\r\ndata: one\r\ndata:two\r\n\r\ndata: three\r\rdata: four\n\n';
    const whole = parse(text);
    expect(whole).toEqual([
      { event: 'x', data: 'one\ntwo', id: null },
      { event: 'message', data: 'three', id: null },
      { event: 'message', data: 'four', id: null },
    ]);
    // One character at a time, and split between a CR and its LF.
    expect(parse(...text.split(''))).toEqual(whole);
    expect(parse('event: x\r', '\ndata: one\r', '\n\r', '\n')).toEqual([{ event: 'x', data: 'one', id: null }]);
  });

  it('holds an event back until its blank line, and drops one without data', () => {
    expect(parse('event: ready\ndata: {}\n')).toEqual([]);
    expect(parse('event: nothing\n\n')).toEqual([]);
  });
});
