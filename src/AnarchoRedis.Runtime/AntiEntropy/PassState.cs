using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;

namespace AnarchoRedis;

/// <summary>The counters, problems, reachable nodes and throttle of one running pass; safe for concurrent use.</summary>
internal sealed class PassState
{
    private readonly ConcurrentQueue<AntiEntropyProblem> _problems = new();
    private readonly int _maxProblems;
    private readonly bool[] _unreachable;
    private readonly bool[] _incomplete;
    private readonly IReadOnlyList<ReplicaNode> _nodes;
    private readonly AnarchoRedisMetrics _metrics;
    private readonly ILogger _logger;
    private readonly Throttle _throttle;
    private readonly IProgress<AntiEntropyProgress>? _progress;
    private long _problemCount;
    private long _keysCompared;
    private long _valuesRepaired;
    private long _listsRepaired;
    private long _indexEntriesDropped;
    private long _valueTombstonesPurged;
    private long _listTombstonesPurged;
    private long _emptyListsDropped;
    private long _unknownKeys;
    private long _done;
    private long _total;
    private int _phase;

    public PassState(IReadOnlyList<ReplicaNode> nodes, AntiEntropyOptions options, AnarchoRedisMetrics metrics, ILogger logger, TimeProvider time, IProgress<AntiEntropyProgress>? progress)
    {
        _nodes = nodes;
        _unreachable = new bool[nodes.Count];
        _incomplete = new bool[nodes.Count];
        _maxProblems = options.MaxReportedProblems;
        _metrics = metrics;
        _logger = logger;
        _progress = progress;
        // The throttle paces real work, so it runs on the real clock even when versions and grace use a test clock.
        _throttle = new Throttle(options.MaxKeysPerSecond, TimeProvider.System);
        Time = time;
    }

    public TimeProvider Time { get; }

    public long NowMs => Time.GetUtcNow().ToUnixTimeMilliseconds();

    public long KeysCompared => Interlocked.Read(ref _keysCompared);

    public long KeysRepaired => Interlocked.Read(ref _valuesRepaired) + Interlocked.Read(ref _listsRepaired);

    /// <summary>
    /// Whether every node has taken part so far: reachable, and no command of this pass failed on it (an error reply such
    /// as LOADING, BUSY, NOPERM or OOM, or a key it could not read). Purges need it: a node that did not show what it
    /// holds may hold the very value a tombstone keeps dead.
    /// </summary>
    public bool AllTookPart => Array.IndexOf(_unreachable, true) < 0 && Array.IndexOf(_incomplete, true) < 0;

    /// <summary>How many nodes the pass is over (a key's comparison must include every one of them to purge it).</summary>
    public int NodeCount => _nodes.Count;

    public bool IsReachable(ReplicaNode node) => !Volatile.Read(ref _unreachable[node.Index]);

    /// <summary>The nodes still answering in this pass.</summary>
    public ReplicaNode[] Reachable() => _nodes.Where(IsReachable).ToArray();

    public void MarkUnreachable(ReplicaNode node, Exception error)
    {
        if (!Volatile.Read(ref _unreachable[node.Index]))
        {
            Volatile.Write(ref _unreachable[node.Index], true);
            Problem(new AntiEntropyProblem(AntiEntropyProblemKind.NodeUnreachable, null, node.Name, error.Message, error));
        }
    }

    /// <summary>A command of this pass failed on a node that still answers: the node did not take part in full.</summary>
    public void MarkIncomplete(ReplicaNode node) => Volatile.Write(ref _incomplete[node.Index], true);

    /// <summary>
    /// Leaves a node known not to answer out of the comparison without reporting it (a hint replay pings first); like
    /// an unreachable node, its absence blocks purges.
    /// </summary>
    public void Exclude(ReplicaNode node) => Volatile.Write(ref _unreachable[node.Index], true);

    public ValueTask ThrottleAsync(CancellationToken cancellationToken) => _throttle.WaitAsync(cancellationToken);

    public void Problem(AntiEntropyProblem problem)
    {
        if (Interlocked.Increment(ref _problemCount) <= _maxProblems)
        {
            _problems.Enqueue(problem);
        }

        _metrics.AntiEntropyProblem(problem.Kind);
        Log.AntiEntropyProblem(_logger, problem.Kind, problem.Key ?? "-", problem.Node ?? "-", problem.Message, problem.Exception);
    }

    public void Compared() => Interlocked.Increment(ref _keysCompared);

    public void ValueRepaired()
    {
        Interlocked.Increment(ref _valuesRepaired);
        _metrics.AntiEntropyRepair("value");
    }

    public void ListRepaired()
    {
        Interlocked.Increment(ref _listsRepaired);
        _metrics.AntiEntropyRepair("list");
    }

    public void IndexEntryDropped(int count) => Interlocked.Add(ref _indexEntriesDropped, count);

    public void ValueTombstonePurged()
    {
        Interlocked.Increment(ref _valueTombstonesPurged);
        _metrics.AntiEntropyPurge("value_tombstone", 1);
    }

    public void ListTombstonesPurged(long count)
    {
        Interlocked.Add(ref _listTombstonesPurged, count);
        _metrics.AntiEntropyPurge("list_tombstone", count);
    }

    public void EmptyListDropped()
    {
        Interlocked.Increment(ref _emptyListsDropped);
        _metrics.AntiEntropyPurge("empty_list", 1);
    }

    /// <summary>
    /// A key whose meta names a type this process's registry does not hold: counted, logged and left as it is, but not a
    /// problem of the pass. Another application's types may share the nodes; readiness depends on the registered types
    /// (a pass that compared every one of them, on every node, is clean whatever else the nodes hold).
    /// </summary>
    public void UnknownKey(string key, string node, string typeName)
    {
        Interlocked.Increment(ref _unknownKeys);
        _metrics.AntiEntropyProblem(AntiEntropyProblemKind.UnknownType);
        Log.AntiEntropyUnknownKey(_logger, key, node, typeName);
    }

    public void Phase(AntiEntropyPhase phase, long total)
    {
        Volatile.Write(ref _phase, (int)phase);
        Interlocked.Exchange(ref _total, total);
        Interlocked.Exchange(ref _done, 0);
        Report();
    }

    public void AddTotal(long count) => Interlocked.Add(ref _total, count);

    public void Advance(long count = 1)
    {
        var done = Interlocked.Add(ref _done, count);
        if (_progress is not null && (done & 255) == 0)
        {
            Report();
        }
    }

    public void Report() =>
        _progress?.Report(new AntiEntropyProgress((AntiEntropyPhase)Volatile.Read(ref _phase), Interlocked.Read(ref _done), Interlocked.Read(ref _total), KeysCompared, KeysRepaired));

    public AntiEntropyReport ToReport(AntiEntropyPassMode mode, DateTimeOffset startedAt, TimeSpan duration, int slotsCompared, int slotsDiffering, int slotsDue) => new()
    {
        Mode = mode,
        StartedAt = startedAt,
        Duration = duration,
        Nodes = _nodes.Count,
        SlotsCompared = slotsCompared,
        SlotsDiffering = slotsDiffering,
        SlotsDue = slotsDue,
        KeysCompared = KeysCompared,
        ValuesRepaired = Interlocked.Read(ref _valuesRepaired),
        ListsRepaired = Interlocked.Read(ref _listsRepaired),
        IndexEntriesDropped = Interlocked.Read(ref _indexEntriesDropped),
        ValueTombstonesPurged = Interlocked.Read(ref _valueTombstonesPurged),
        ListTombstonesPurged = Interlocked.Read(ref _listTombstonesPurged),
        EmptyListsDropped = Interlocked.Read(ref _emptyListsDropped),
        UnknownKeys = Interlocked.Read(ref _unknownKeys),
        UnreachableNodes = _nodes.Where(n => _unreachable[n.Index]).Select(n => n.Name).ToArray(),
        ProblemCount = Interlocked.Read(ref _problemCount),
        Problems = _problems.ToArray(),
    };
}

/// <summary>Spaces out work to at most a rate per second (0: no limit), on the given clock.</summary>
internal sealed class Throttle
{
    private readonly long _intervalTicks;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private long _next;

    public Throttle(int perSecond, TimeProvider time)
    {
        _time = time;
        _intervalTicks = perSecond <= 0 ? 0 : TimeSpan.TicksPerSecond / perSecond;
        _next = time.GetTimestamp();
    }

    public ValueTask WaitAsync(CancellationToken cancellationToken)
    {
        if (_intervalTicks == 0)
        {
            return ValueTask.CompletedTask;
        }

        long wait;
        lock (_gate)
        {
            var now = _time.GetTimestamp();
            var frequency = _time.TimestampFrequency;
            var step = _intervalTicks * frequency / TimeSpan.TicksPerSecond;

            // Unused capacity does not pile up beyond one second's worth.
            if (_next < now - frequency)
            {
                _next = now - frequency;
            }

            _next += Math.Max(step, 1);
            wait = _next - now;
        }

        return wait <= 0 ? ValueTask.CompletedTask : new ValueTask(Task.Delay(TimeSpan.FromSeconds((double)wait / _time.TimestampFrequency), _time, cancellationToken));
    }
}
