using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace AnarchoRedis;

/// <summary>
/// What a set of key repairs reports, and which nodes took part in it: the repair counters, the problems, and the
/// nodes that could not be reached or on which a command failed (purges need every node to have taken part). An
/// anti-entropy pass is one scope (<see cref="PassState"/>, which adds pacing and progress); a hint replay makes one
/// per key. Safe for concurrent use.
/// </summary>
internal class RepairScope
{
    private readonly ConcurrentQueue<AntiEntropyProblem> _problems = new();
    private readonly int _maxProblems;
    private readonly bool[] _unreachable;
    private readonly bool[] _incomplete;
    private readonly IReadOnlyList<ReplicaNode> _nodes;
    private readonly AnarchoRedisMetrics _metrics;
    private readonly ILogger _logger;
    private long _problemCount;
    private long _failures;
    private long _valuesRepaired;
    private long _listsRepaired;
    private long _indexEntriesDropped;
    private long _valueTombstonesPurged;
    private long _listTombstonesPurged;
    private long _emptyListsDropped;
    private long _unknownKeys;

    public RepairScope(IReadOnlyList<ReplicaNode> nodes, int maxProblems, AnarchoRedisMetrics metrics, ILogger logger, TimeProvider time)
    {
        _nodes = nodes;
        _unreachable = new bool[nodes.Count];
        _incomplete = new bool[nodes.Count];
        _maxProblems = maxProblems;
        _metrics = metrics;
        _logger = logger;
        Time = time;
    }

    public TimeProvider Time { get; }

    public long NowMs => Time.GetUtcNow().ToUnixTimeMilliseconds();

    public long KeysRepaired => Interlocked.Read(ref _valuesRepaired) + Interlocked.Read(ref _listsRepaired);

    /// <summary>
    /// Whether every node has taken part so far: reachable, and no command failed on it (an error reply such as LOADING,
    /// BUSY, NOPERM or OOM, or a key it could not read). Purges need it: a node that did not show what it holds may hold
    /// the very value a tombstone keeps dead.
    /// </summary>
    public bool AllTookPart => Array.IndexOf(_unreachable, true) < 0 && Array.IndexOf(_incomplete, true) < 0;

    /// <summary>Whether a node could not be reached or a command failed (a key's repair is then not known to be done).</summary>
    public bool AnyFailed => Interlocked.Read(ref _failures) > 0;

    /// <summary>How many nodes the scope is over (a key's comparison must include every one of them to purge it).</summary>
    public int NodeCount => _nodes.Count;

    private protected IReadOnlyList<ReplicaNode> Nodes => _nodes;

    public bool IsReachable(ReplicaNode node) => !Volatile.Read(ref _unreachable[node.Index]);

    /// <summary>The nodes still answering.</summary>
    public ReplicaNode[] Reachable() => _nodes.Where(IsReachable).ToArray();

    /// <summary>Whether an exception means the node cannot be reached (rather than that it answered with an error).</summary>
    public static bool IsUnreachable(Exception error) =>
        error is RedisConnectionException or RedisTimeoutException or TimeoutException or ObjectDisposedException;

    public void MarkUnreachable(ReplicaNode node, Exception error) => MarkUnreachable(node, null, error);

    /// <summary>
    /// A shard of a cluster node could not be asked (<paramref name="shard"/>, named in the problem): the whole node is
    /// left out of the pass, as its keys on that shard are unknown.
    /// </summary>
    public void MarkUnreachable(ReplicaNode node, ReplicaShard? shard, Exception error)
    {
        if (!Volatile.Read(ref _unreachable[node.Index]))
        {
            Volatile.Write(ref _unreachable[node.Index], true);
            var message = shard is null || !node.IsCluster ? error.Message : $"shard {shard.Name}: {error.Message}";
            Problem(new AntiEntropyProblem(AntiEntropyProblemKind.NodeUnreachable, null, node.Name, message, error));
        }
    }

    /// <summary>A command failed on a node that still answers: the node did not take part in full.</summary>
    public void MarkIncomplete(ReplicaNode node) => Volatile.Write(ref _incomplete[node.Index], true);

    /// <summary>
    /// Leaves a node known not to answer out of the comparison without reporting it (a hint replay pings first); like
    /// an unreachable node, its absence blocks purges.
    /// </summary>
    public void Exclude(ReplicaNode node) => Volatile.Write(ref _unreachable[node.Index], true);

    /// <summary>Records a failed command: an unreachable node is dropped from the scope, anything else is a problem of the key.</summary>
    public void NodeFailed(ReplicaNode node, string? key, Exception error)
    {
        if (IsUnreachable(error))
        {
            MarkUnreachable(node, error);
        }
        else
        {
            MarkIncomplete(node);
            var kind = error is RedisServerException server && server.Message.StartsWith("WRONGTYPE", StringComparison.Ordinal)
                ? AntiEntropyProblemKind.CorruptMeta
                : AntiEntropyProblemKind.Failed;
            Problem(new AntiEntropyProblem(kind, key, node.Name, error.Message, error));
        }
    }

    /// <summary>Reports a node whose copy of a key the read script could not use (corrupt, of another type, foreign).</summary>
    public void Unreadable(ReplicaNode node, string key, Exception? error)
    {
        MarkIncomplete(node);
        var kind = error is CorruptMetadataException or WrongRedisTypeException or ForeignListDataException ? AntiEntropyProblemKind.CorruptMeta
            : error is KeyTypeMismatchException ? AntiEntropyProblemKind.KindConflict
            : AntiEntropyProblemKind.Failed;
        Problem(new AntiEntropyProblem(kind, key, node.Name, error?.Message ?? "the node's copy cannot be read", error));
    }

    public void Problem(AntiEntropyProblem problem)
    {
        if (Interlocked.Increment(ref _problemCount) <= _maxProblems)
        {
            _problems.Enqueue(problem);
        }

        if (problem.Kind is AntiEntropyProblemKind.NodeUnreachable or AntiEntropyProblemKind.Failed)
        {
            Interlocked.Increment(ref _failures);
        }

        _metrics.AntiEntropyProblem(problem.Kind);
        Log.AntiEntropyProblem(_logger, problem.Kind, problem.Key ?? "-", problem.Node ?? "-", problem.Message, problem.Exception);
    }

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

    public void ListTombstonesPurgedBy(long count)
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
    /// problem. Another application's types may share the nodes; readiness depends on the registered types (a pass that
    /// compared every one of them, on every node, is clean whatever else the nodes hold).
    /// </summary>
    public void UnknownKey(string key, string node, string typeName)
    {
        Interlocked.Increment(ref _unknownKeys);
        _metrics.AntiEntropyProblem(AntiEntropyProblemKind.UnknownType);
        Log.AntiEntropyUnknownKey(_logger, key, node, typeName);
    }

    public long ValuesRepaired => Interlocked.Read(ref _valuesRepaired);

    public long ListsRepaired => Interlocked.Read(ref _listsRepaired);

    public long IndexEntriesDropped => Interlocked.Read(ref _indexEntriesDropped);

    public long ValueTombstonesPurged => Interlocked.Read(ref _valueTombstonesPurged);

    public long ListTombstonesPurged => Interlocked.Read(ref _listTombstonesPurged);

    public long EmptyListsDropped => Interlocked.Read(ref _emptyListsDropped);

    public long UnknownKeys => Interlocked.Read(ref _unknownKeys);

    public long ProblemCount => Interlocked.Read(ref _problemCount);

    /// <summary>The problems kept (at most the scope's maximum).</summary>
    public AntiEntropyProblem[] Problems => _problems.ToArray();

    /// <summary>The nodes that could not be reached, or were left out.</summary>
    public string[] UnreachableNodes => _nodes.Where(n => _unreachable[n.Index]).Select(n => n.Name).ToArray();
}
