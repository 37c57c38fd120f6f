import type { FastifyReply } from 'fastify'

/**
 * Replies sent together at the end of the event loop's turn, as Redis writes its replies before
 * it polls again: a read whose answer is ready is queued, and one `setImmediate` sends every
 * queued answer once the poll phase has read all the requests that arrived.
 *
 * Why: a response written while the client waits in `epoll_wait` wakes its thread, and on this
 * machine a wakeup costs the server tens of µs of system time (an inter-processor interrupt, a VM
 * exit). Answers written back to back wake the client once. Measured on a bare Fastify route doing
 * 40 µs of work per GET, 50 connections: 135 → 105 µs of server CPU per request (DESIGN §8).
 *
 * Latency: an answer waits for the rest of its turn's requests to be handled, at most a turn.
 */
export class TurnEndReplies {
  /** Reply, payload, reply, payload, …: no object per queued answer. */
  private queue: unknown[] = []
  /** The queue being sent, kept to be the next turn's queue. */
  private spare: unknown[] = []
  private readonly flush = () => this.sendAll()

  /**
   * Queues `payload` as `reply`'s body. A route handler returns the reply after it (Fastify's way
   * to say the answer comes later).
   */
  send(reply: FastifyReply, payload: unknown): FastifyReply {
    if (this.queue.push(reply, payload) === 2) setImmediate(this.flush)
    return reply
  }

  private sendAll(): void {
    const q = this.queue
    // An answer queued while these go out goes into the other queue, for the next turn.
    this.queue = this.spare
    for (let i = 0; i < q.length; i += 2) {
      const reply = q[i] as FastifyReply
      try {
        void reply.send(q[i + 1])
      } catch (err) {
        // One answer that cannot be sent must not keep the others queued.
        reply.log.error({ err }, 'a queued reply could not be sent')
      }
    }
    q.length = 0
    this.spare = q
  }
}
