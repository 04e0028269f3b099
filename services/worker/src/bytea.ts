/**
 * Reads one bytea value as the stored bytes. A SELECT has PostgreSQL encode a
 * bytea as text (hex doubles its size) and node-postgres decode it back, which
 * for a photo costs about as much CPU as resizing it; `COPY (...) TO STDOUT
 * (FORMAT binary)` sends the bytes as they are. node-postgres has no binary
 * result format for bytea, hence this small Submittable (its query interface
 * for custom protocol flows, as pg-copy-streams uses).
 */
import type { PoolClient } from 'pg';

// PGCOPY\n\377\r\n\0, then a 32-bit flags field and a 32-bit header-extension length.
const SIGNATURE = Buffer.from([0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00]);

interface Connection {
  query(text: string): void;
  sendCopyFail(message: string): void;
}

class CopyOut {
  private readonly chunks: Buffer[] = [];
  private settled = false;

  constructor(
    private readonly text: string,
    private readonly settle: (err: Error | undefined, copied: Buffer) => void,
  ) {}

  submit(connection: Connection): null {
    connection.query(this.text);
    return null;
  }

  handleCopyData(msg: { chunk: Buffer }): void {
    // The chunk is a view into the protocol parser's buffer, which it reuses for later messages: copy it now.
    this.chunks.push(Buffer.from(msg.chunk));
  }

  handleCopyInResponse(connection: Connection): void {
    connection.sendCopyFail('only COPY TO is supported');
  }

  // The client calls these for any simple query; a COPY TO produces none of them but CommandComplete.
  handleRowDescription(): void {}
  handleDataRow(): void {}
  handleCommandComplete(): void {}
  handleEmptyQuery(): void {}

  // An error message is final (the client forgets the query before ReadyForQuery), as is a dead socket.
  handleError(err: Error): void {
    this.finish(err);
  }

  handleReadyForQuery(): void {
    this.finish(undefined);
  }

  private finish(err: Error | undefined): void {
    if (this.settled) return;
    this.settled = true;
    this.settle(err, this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks));
  }
}

/** Parses COPY binary output of rows with a single column; null values come back as null. */
export function parseCopyBinary(copied: Buffer): (Buffer | null)[] {
  if (copied.length < 19 || !copied.subarray(0, 11).equals(SIGNATURE)) throw new Error('COPY binary: bad header');
  let offset = 15;
  offset += 4 + copied.readUInt32BE(offset);
  const values: (Buffer | null)[] = [];
  for (;;) {
    const fields = copied.readInt16BE(offset);
    offset += 2;
    if (fields === -1) return values;
    if (fields !== 1) throw new Error(`COPY binary: expected 1 column, got ${fields}`);
    const length = copied.readInt32BE(offset);
    offset += 4;
    if (length === -1) {
      values.push(null);
      continue;
    }
    if (offset + length > copied.length) throw new Error('COPY binary: truncated');
    values.push(copied.subarray(offset, offset + length));
    offset += length;
  }
}

/**
 * Runs `COPY (<select>) TO STDOUT (FORMAT binary)` for a one-column SELECT and
 * returns its values. COPY takes no parameters: `select` must only embed
 * values that were validated or escaped (escapeLiteral).
 */
export function copyColumn(client: PoolClient, select: string): Promise<(Buffer | null)[]> {
  return new Promise((resolve, reject) => {
    const copy = new CopyOut(`COPY (${select}) TO STDOUT (FORMAT binary)`, (err, copied) => {
      if (err !== undefined) return reject(err);
      try {
        resolve(parseCopyBinary(copied));
      } catch (parseErr) {
        reject(parseErr as Error);
      }
    });
    // A Submittable is accepted by client.query at runtime; @types/pg types that overload generically.
    void client.query(copy as never);
  });
}
