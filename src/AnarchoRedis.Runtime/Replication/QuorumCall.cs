using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;

namespace AnarchoRedis;

/// <summary>
/// Tracks the replies of one command fanned out to all nodes and decides as soon as the quorum is reached or can
/// no longer be. Replies that come after the caller took its snapshot are "late" and go to a handler the caller sets
/// (background repair, hints), so nothing a node says is dropped.
/// </summary>
internal sealed class QuorumCall<TReply>
    where TReply : struct, INodeReply
{
    // The lock is the reply array itself: one object less per call than a separate Lock (it is never handed out
    // before the snapshot, and callers never lock on it).
    private readonly TReply[] _replies;
    private readonly bool[] _arrived;
    private readonly int _required;
    private readonly TaskCompletionSource _decision = new();
    private TaskCompletionSource? _allArrived;
    private List<(int Index, TReply Reply)>? _queuedLate;
    private Action<int, TReply, object?>? _lateHandler;
    private object? _lateState;
    private int[]? _order;
    private int _launched;
    private AdaptiveHedgeDelay? _latency;
    private long _started;
    private int _counted;
    private int _notCounted;
    private volatile bool _decided;
    private bool _snapshotTaken;

    // Made only when the operation has a span (Trace): an untraced call carries one null field.
    private NodeTrace? _trace;

    public QuorumCall(int nodeCount, int required)
    {
        _replies = new TReply[nodeCount];
        _arrived = new bool[nodeCount];
        _required = required;
    }

    public int Required => _required;

    /// <summary>
    /// For a read sent to only some nodes: the order nodes are asked in, of which the first <paramref name="launched"/>
    /// are being asked by the caller. <see cref="TryTakeNext"/> hands out the rest. Until every node was asked, a
    /// quorum that cannot be reached from the replies so far is not yet a failure (the unasked nodes may still count).
    /// </summary>
    /// <param name="order">Node indexes in the order to ask them.</param>
    /// <param name="launched">How many of them the caller asks now.</param>
    /// <param name="latency">Gets the time from <paramref name="started"/> to the quorum, if one is reached (hedge delay estimate).</param>
    /// <param name="started">When the first node was asked, in <see cref="System.Diagnostics.Stopwatch"/> ticks.</param>
    public void Target(int[] order, int launched, AdaptiveHedgeDelay? latency = null, long started = 0)
    {
        _order = order;
        _launched = launched;
        _latency = latency;
        _started = started;
    }

    /// <summary>
    /// The next node to ask (hedging, or replacing a node whose answer did not count), or false when every node was
    /// asked, the call is not targeted, or it is already decided.
    /// </summary>
    public bool TryTakeNext(out int nodeIndex)
    {
        var order = _order;
        if (order is not null && !_decided)
        {
            var next = Interlocked.Increment(ref _launched) - 1;
            if (next < order.Length)
            {
                nodeIndex = order[next];
                return true;
            }
        }

        nodeIndex = -1;
        return false;
    }

    /// <summary>How many counted replies have arrived so far.</summary>
    public int Counted
    {
        get
        {
            lock (_replies)
            {
                return _counted;
            }
        }
    }

    /// <summary>Whether the quorum was reached (meaningful once <see cref="Decision"/> completed).</summary>
    public bool Reached { get; private set; }

    public Task Decision => _decision.Task;

    /// <summary>Completes when every node has replied (created on first use: only failures wait for it).</summary>
    public Task AllArrived
    {
        get
        {
            lock (_replies)
            {
                _allArrived ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                if (_counted + _notCounted == _replies.Length)
                {
                    _allArrived.TrySetResult();
                }

                return _allArrived.Task;
            }
        }
    }

    /// <summary>
    /// Adds an event to <paramref name="span"/> for each node's reply as it arrives, until <see cref="EndTrace"/>; call
    /// before the first send. Does nothing without a span.
    /// </summary>
    /// <param name="span">The operation's span, or <see langword="null"/>.</param>
    /// <param name="nodes">The nodes, by index.</param>
    /// <param name="describe">A reply's outcome name and error, for its event.</param>
    public void Trace(Activity? span, IReadOnlyList<ReplicaNode> nodes, Func<TReply, (string Outcome, Exception? Error)> describe)
    {
        if (span is not null)
        {
            _trace = new NodeTrace(span, nodes, describe, new bool[_replies.Length], Stopwatch.GetTimestamp());
        }
    }

    /// <summary>
    /// Ends the node events of a traced call: each node that has not answered yet gets one event, <c>pending</c> (or
    /// <c>not_asked</c>, for a read sent to R nodes that never needed it); replies after this add none.
    /// </summary>
    public void EndTrace()
    {
        if (_trace is not { } trace)
        {
            return;
        }

        bool[] answered;
        int asked;
        lock (_replies)
        {
            if (trace.Ended)
            {
                return;
            }

            trace.Ended = true;
            answered = trace.Answered; // no longer written: replies after the end add no event
            asked = _order is null ? answered.Length : Math.Min(_launched, _order.Length);
        }

        for (var i = 0; i < answered.Length; i++)
        {
            if (!answered[i])
            {
                var wasAsked = _order is null || Array.IndexOf(_order, i, 0, asked) >= 0;
                AnarchoRedisTracing.NodeEvent(trace.Span, trace.Nodes[i].Name, wasAsked ? "pending" : "not_asked", counted: false, latency: null, error: null);
            }
        }
    }

    public void OnReply(int index, TReply reply)
    {
        var decideNow = false;
        var trace = false;
        TaskCompletionSource? allArrived = null;
        Action<int, TReply, object?>? late = null;
        object? lateState = null;
        lock (_replies)
        {
            if (_trace is { Ended: false })
            {
                _trace.Answered[index] = true;
                trace = true;
            }

            // After the snapshot the arrays belong to the caller (they are handed out, not copied): late replies go
            // only to the late handler.
            if (!_snapshotTaken)
            {
                _replies[index] = reply;
                _arrived[index] = true;
            }

            if (reply.Counts)
            {
                _counted++;
            }
            else
            {
                _notCounted++;
            }

            if (!_decided && (_counted >= _required || _replies.Length - _notCounted < _required))
            {
                _decided = true;
                Reached = _counted >= _required;
                decideNow = true;
            }

            if (_counted + _notCounted == _replies.Length)
            {
                allArrived = _allArrived;
            }

            if (_snapshotTaken)
            {
                if (_lateHandler is null)
                {
                    (_queuedLate ??= []).Add((index, reply));
                }
                else
                {
                    late = _lateHandler;
                    lateState = _lateState;
                }
            }
        }

        if (trace)
        {
            var (outcome, error) = _trace!.Describe(reply);
            AnarchoRedisTracing.NodeEvent(_trace.Span, _trace.Nodes[index].Name, outcome, reply.Counts, Stopwatch.GetElapsedTime(_trace.Since), error);
        }

        // Completions run outside the lock: continuations may run inline.
        if (decideNow)
        {
            if (Reached)
            {
                _latency?.Observe(System.Diagnostics.Stopwatch.GetTimestamp() - _started);
            }

            _decision.TrySetResult();
        }

        late?.Invoke(index, reply, lateState);
        allArrived?.TrySetResult();
    }

    /// <summary>
    /// The replies that have arrived so far; any reply after this is late. The arrays themselves are returned, not
    /// copies (two fewer arrays per operation): from now on no reply is written into them.
    /// </summary>
    public (TReply[] Replies, bool[] Arrived) TakeSnapshot()
    {
        lock (_replies)
        {
            _snapshotTaken = true;
            return (_replies, _arrived);
        }
    }

    /// <summary>Sets the handler of late replies and hands it those that already came.</summary>
    public void HandleLate(Action<int, TReply> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        HandleLate(static (index, reply, state) => ((Action<int, TReply>)state!)(index, reply), handler);
    }

    /// <summary>Sets the handler of late replies, with a state object so a static lambda needs no closure.</summary>
    public void HandleLate(Action<int, TReply, object?> handler, object? state)
    {
        List<(int Index, TReply Reply)>? queued;
        lock (_replies)
        {
            _lateHandler = handler;
            _lateState = state;
            queued = _queuedLate;
            _queuedLate = null;
        }

        if (queued is not null)
        {
            foreach (var (index, reply) in queued)
            {
                handler(index, reply, state);
            }
        }
    }

    /// <summary>Every node's reply, waiting (boundedly, by the node timeout) for those not in yet.</summary>
    public async Task<(TReply[] Replies, bool[] Arrived)> SettleAsync(TimeSpan wait, CancellationToken cancellationToken)
    {
        try
        {
            await AllArrived.WaitAsync(wait, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Those still out are reported as pending: indeterminate.
        }

        return TakeSnapshot();
    }

    /// <summary>A traced call's span, what names its nodes' events, and which nodes answered (under the call's lock).</summary>
    private sealed class NodeTrace(Activity span, IReadOnlyList<ReplicaNode> nodes, Func<TReply, (string Outcome, Exception? Error)> describe, bool[] answered, long since)
    {
        public Activity Span { get; } = span;

        public IReadOnlyList<ReplicaNode> Nodes { get; } = nodes;

        public Func<TReply, (string Outcome, Exception? Error)> Describe { get; } = describe;

        public bool[] Answered { get; } = answered;

        public long Since { get; } = since;

        public bool Ended { get; set; }
    }
}
