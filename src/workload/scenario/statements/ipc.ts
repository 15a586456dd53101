/**
 * Messages between processes: `send copy|move|share ADDRESS SIZE to NAME` and
 * `receive [from NAME]`, which maps the next waiting message into the receiver.
 */
import { PageframeError } from '../../../common/errors.js';
import type { IpcMode } from '../ast.js';
import { parseCount, parseExpression } from '../expression-parser.js';
import { assign, type ExecutorsOf, type StatementSyntax, withTarget } from './definition.js';

const SEND_MODES: readonly IpcMode[] = ['copy', 'move', 'share'];

export const IPC_SYNTAX = {
  send: {
    parse({ cursor, line }) {
      const mode = cursor.choice(SEND_MODES, 'send mode');
      const address = parseExpression(cursor, 'the address to send');
      const size = parseCount(cursor, 'the size to send');
      if (!cursor.skipWord('to')) {
        cursor.fail(`expected 'to PROCESS' after the size, found ${cursor.describe(cursor.peek())}`);
      }
      const to = cursor.processName();
      cursor.end('send');
      return { kind: 'send', line, mode, address, size, to };
    },
  },
  receive: {
    givesValue: true,
    parse({ cursor, line, target }) {
      const from = cursor.skipWord('from') ? cursor.processName() : undefined;
      cursor.end('receive');
      return withTarget(
        from === undefined ? { kind: 'receive', line } : { kind: 'receive', line, from },
        target,
      );
    },
  },
} satisfies Record<string, StatementSyntax>;

export const IPC_EXECUTORS: ExecutorsOf<'send' | 'receive'> = {
  send(statement, run) {
    const { machine } = run;
    const sender = run.processOf(statement);
    // A receiver that has exited is still named: sending to it is ESRCH, as in a kernel.
    if (machine.pidOf(statement.to) === undefined) {
      run.scenarioError(statement.line, `unknown process '${statement.to}'`);
    }
    const address = run.evaluate(statement.address, statement.line);
    const size = run.evaluate(statement.size, statement.line);
    const to = machine.process(statement.to);
    if (to === undefined) {
      throw new PageframeError(
        'ESRCH',
        `send to ${statement.to}: the process has exited, its mailbox is gone`,
      );
    }
    machine.post.send(sender.pid, to.pid, address, size, statement.mode);
  },
  receive(statement, run) {
    const { machine } = run;
    const receiver = run.processOf(statement);
    const header = machine.post.peek(receiver.pid);
    if (header === null) {
      throw new PageframeError('ENOMSG', `receive: no message is waiting for ${receiver.name}`);
    }
    if (statement.from !== undefined) {
      // A sender that has exited is still named: its messages wait until received.
      const from = machine.pidOf(statement.from);
      if (from === undefined) return run.scenarioError(statement.line, `unknown process '${statement.from}'`);
      if (header.from !== from) {
        throw new PageframeError(
          'ENOMSG',
          `receive from ${machine.ownerName(from)}: the next message for ${receiver.name} comes from ${machine.ownerName(header.from)}`,
        );
      }
    }
    const received = machine.post.receive(receiver.pid);
    if (received !== null) assign(run, statement, received.va);
  },
};
