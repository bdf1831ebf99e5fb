using System;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading;

namespace AnarchoRedis;

/// <summary>A targeted read that may need hedging: due at <see cref="DeadlineTicks"/> unless decided by then.</summary>
internal interface IHedgeable
{
    /// <summary>When to hedge, in <see cref="Stopwatch"/> ticks.</summary>
    long DeadlineTicks { get; }

    /// <summary>Whether the read's quorum is decided (nothing left to hedge).</summary>
    bool IsDecided { get; }

    /// <summary>Asks every node not asked yet. Runs on the scheduler's timer thread; must not block.</summary>
    void Hedge();
}

/// <summary>
/// Hedges targeted reads that are still undecided at their deadline, from one shared timer. A timer per read (as
/// <c>Task.WaitAsync(timeout)</c> makes) cost about as much client CPU as the node call a targeted read saves: each new
/// short timer re-arms the runtime's timer thread. Here a read only enqueues itself (its deadline is its start plus
/// the adaptive delay, so the queue is in deadline order, near enough); the timer ticks every
/// <see cref="Tick"/> while reads are queued and stops when none are, and each tick hedges the due reads at the head and
/// drops those already decided. A read is hedged at most one tick late.
/// </summary>
internal sealed class HedgeScheduler
{
    private readonly ConcurrentQueue<IHedgeable> _queue = new();
    private readonly Timer _timer;
    private int _armed;

    public HedgeScheduler(TimeSpan tick)
    {
        Tick = tick;
        // Not rooted while disarmed: a client dropped without disposal leaves nothing behind. Made without the caller's
        // execution context: a timer keeps the context it was made in for its whole life, and that of the first read
        // would hold its span (Activity.Current) and the caller's other async-locals as long as the client lives.
        var suppress = !ExecutionContext.IsFlowSuppressed();
        var flow = suppress ? ExecutionContext.SuppressFlow() : default;
        try
        {
            _timer = new Timer(static state => ((HedgeScheduler)state!).OnTick(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }
        finally
        {
            if (suppress)
            {
                flow.Undo();
            }
        }
    }

    /// <summary>How often due reads are looked for while any are queued.</summary>
    public TimeSpan Tick { get; }

    /// <summary>Reads queued and not yet hedged or dropped (for tests).</summary>
    internal int Pending => _queue.Count;

    public void Schedule(IHedgeable read)
    {
        _queue.Enqueue(read);
        if (Volatile.Read(ref _armed) == 0 && Interlocked.Exchange(ref _armed, 1) == 0)
        {
            _timer.Change(Tick, Tick);
        }
    }

    /// <summary>
    /// Hedges every queued read due by <paramref name="nowTicks"/> and not yet decided, and drops decided ones, from
    /// the head of the queue up to the first read not yet due. Returns how many were hedged.
    /// </summary>
    internal int Sweep(long nowTicks)
    {
        var hedged = 0;
        while (_queue.TryPeek(out var read))
        {
            if (!read.IsDecided && read.DeadlineTicks > nowTicks)
            {
                break;
            }

            if (!_queue.TryDequeue(out read))
            {
                break;
            }

            if (!read.IsDecided)
            {
                read.Hedge();
                hedged++;
            }
        }

        return hedged;
    }

    private void OnTick()
    {
        Sweep(Stopwatch.GetTimestamp());
        if (!_queue.IsEmpty)
        {
            return;
        }

        // Disarm, then look again: a read queued between the check and the disarm re-arms (its Schedule saw _armed = 1
        // and did not), so none is left waiting without a tick.
        _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        Volatile.Write(ref _armed, 0);
        if (!_queue.IsEmpty && Interlocked.Exchange(ref _armed, 1) == 0)
        {
            _timer.Change(Tick, Tick);
        }
    }
}
