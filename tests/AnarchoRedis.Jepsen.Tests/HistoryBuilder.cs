using System.Linq;
using System.Collections.Generic;
using AnarchoRedis.Jepsen.Checking;
using AnarchoRedis.Jepsen.History;

namespace AnarchoRedis.Jepsen.Tests;

/// <summary>Builds synthetic histories and node states for the checker, with a clock that moves 1 ms per operation.</summary>
internal sealed class HistoryBuilder
{
    private readonly List<Operation> _ops = new();
    private long _now = 1_000_000;
    private ulong _clock = 1UL << 40;

    public IReadOnlyList<Operation> Operations => _ops;

    public ReplicatedVersion NextVersion() => new(++_clock << 16, 7);

    /// <summary>The builder's clock, Unix µs (1 ms per operation).</summary>
    public long Now => _now;

    /// <summary>Moves the clock on (a pause between operations).</summary>
    public void Advance(long ms) => _now += ms * 1000;

    public Operation Append(string list, string element, OpType outcome = OpType.Ok, long? ttlMs = null) =>
        Add(OpFunction.Append, list, element, outcome, outcome == OpType.Ok ? NextVersion() : null, ttlMs: ttlMs);

    public Operation Write(string register, string value, OpType outcome = OpType.Ok, long? ttlMs = null) =>
        Add(OpFunction.Write, register, value, outcome, outcome == OpType.Ok ? NextVersion() : null, ttlMs: ttlMs);

    public Operation Remove(string list, string element, long count, OpType outcome = OpType.Ok) =>
        Add(OpFunction.Remove, list, element, outcome, null, count: outcome == OpType.Ok ? count : null);

    public Operation Trim(string list, OpType outcome = OpType.Ok) =>
        Add(OpFunction.Trim, list, "-10..-1", outcome, outcome == OpType.Ok ? NextVersion() : null);

    public Operation DeleteList(string list, OpType outcome = OpType.Ok) =>
        Add(OpFunction.DeleteList, list, null, outcome, outcome == OpType.Ok ? NextVersion() : null);

    public Operation Delete(string register, OpType outcome = OpType.Ok) =>
        Add(OpFunction.Delete, register, null, outcome, outcome == OpType.Ok ? NextVersion() : null);

    public Operation Read(string register, string? value, ReplicatedVersion? version) =>
        Add(OpFunction.Read, register, null, OpType.Ok, version, readValue: value);

    public Operation ReadList(string list, params string[] elements) =>
        Add(OpFunction.ReadList, list, null, OpType.Ok, null, elements: elements);

    /// <summary>A push onto a queue (the queue workload).</summary>
    public Operation QueuePush(string queue, string element, OpType outcome = OpType.Ok) =>
        Add(OpFunction.QueuePush, queue, element, outcome, outcome == OpType.Ok ? NextVersion() : null);

    /// <summary>An exactly-once pop by popper <paramref name="client"/>: ok with the element returned (null: none), or not ok (nothing returned).</summary>
    public Operation QueuePop(string queue, string? popped, int client = 1, OpType outcome = OpType.Ok) =>
        Add(OpFunction.QueuePop, queue, null, outcome, null, readValue: outcome == OpType.Ok ? popped : null, client: client);

    /// <summary>
    /// A push onto a capped feed (the feed workload). Its id is a version of the builder's clock (its time, in ms, is the
    /// push's invocation), so the checker's time bounds on ids apply; an ok push carries it, others do not (the id a node
    /// holds is <see cref="FeedIdOf"/>).
    /// </summary>
    public Operation FeedPush(string feed, string element, OpType outcome = OpType.Ok)
    {
        var id = new ReplicatedVersion(((ulong)(_now / 1000) << 16) | 1, 7);
        _feedIds[element] = id;
        return Add(OpFunction.FeedPush, feed, element, outcome, outcome == OpType.Ok ? id : null);
    }

    /// <summary>The id a feed push got (whatever its outcome): what a node holding it shows.</summary>
    public ReplicatedVersion FeedIdOf(string element) => _feedIds[element];

    /// <summary>A keep-newest trim of a feed to <paramref name="count"/> elements.</summary>
    public Operation FeedTrim(string feed, int count, OpType outcome = OpType.Ok) =>
        Add(OpFunction.FeedTrim, feed, count.ToString(System.Globalization.CultureInfo.InvariantCulture), outcome, outcome == OpType.Ok ? NextVersion() : null);

    /// <summary>An ok read of a whole feed.</summary>
    public Operation FeedRead(string feed, params string[] elements) =>
        Add(OpFunction.FeedRead, feed, null, OpType.Ok, null, elements: elements);

    /// <summary>Three nodes whose feed <paramref name="feed"/> holds <paramref name="elements"/> (with the ids their pushes got), the same on each.</summary>
    public List<NodeSnapshot> FeedNodes(string feed, params string[] elements) =>
        Enumerable.Range(0, 3).Select(i => new NodeSnapshot
        {
            Name = "n" + i,
            ReadAtMs = _now / 1000,
            Feeds = { [feed] = elements.Select(e => new FeedElement(e, _feedIds.TryGetValue(e, out var id) ? id : new ReplicatedVersion(1, 1))).ToList() },
            FeedMetaFields = { [feed] = 13 },
        }).ToList();

    private readonly Dictionary<string, ReplicatedVersion> _feedIds = new();

    private Operation Add(OpFunction f, string key, string? input, OpType outcome, ReplicatedVersion? version, string? readValue = null, string[]? elements = null, long? ttlMs = null, long? count = null, int client = 0)
    {
        var op = new Operation
        {
            Id = _ops.Count + 1,
            Process = 0,
            Client = client,
            F = f,
            Key = key,
            Input = input,
            Side = f is OpFunction.Append or OpFunction.QueuePush or OpFunction.QueuePop or OpFunction.FeedPush ? "R" : null,
            Outcome = outcome,
            InvokeTime = _now,
            CompleteTime = _now + 500,
            Version = version,
            ReadValue = readValue,
            ReadElements = elements,
            TtlMs = ttlMs,
            // The client's clock is the builder's: the expiry is computed between invoke and completion.
            ExpiryMin = ttlMs is { } t ? _now / 1000 + t : null,
            ExpiryMax = ttlMs is { } u ? (_now + 500) / 1000 + u : null,
            Count = count,
        };
        _now += 1000;
        _ops.Add(op);
        return op;
    }

    /// <summary>
    /// Three nodes holding exactly what the acknowledged history says (the newest op of each register, every list with
    /// what removes and list deletes took out, expiries as written), identical dumps, read at the builder's clock.
    /// </summary>
    public List<NodeSnapshot> ConsistentNodes()
    {
        var nodes = new List<NodeSnapshot>();
        for (var i = 0; i < 3; i++)
        {
            var node = new NodeSnapshot { Name = "n" + i, ReadAtMs = _now / 1000 };
            var newestPush = new Dictionary<string, Operation>();
            foreach (var op in _ops)
            {
                if (op.Outcome != OpType.Ok)
                {
                    continue;
                }

                switch (op.F)
                {
                    case OpFunction.Append:
                        (node.Lists.TryGetValue(op.Key, out var list) ? list : node.Lists[op.Key] = new List<string>()).Add(op.Input!);
                        node.Dump["anrcho_version:{" + op.Key + "}"] = "hash v=" + op.Version;
                        newestPush[op.Key] = op;
                        node.ListExpiry[op.Key] = op.ExpiryMin ?? -1;
                        break;
                    case OpFunction.Remove when op.Count > 0:
                        node.Lists[op.Key].Remove(op.Input!);
                        break;
                    case OpFunction.DeleteList:
                        node.Lists[op.Key].RemoveAll(e => _ops.Any(a => a.F == OpFunction.Append && a.Input == e && a.Version <= op.Version));
                        break;
                    case OpFunction.Write:
                    case OpFunction.Delete:
                        node.Registers[op.Key] = new RegisterState(op.Version!.Value, op.F == OpFunction.Delete, op.Input, op.F == OpFunction.Delete ? null : op.ExpiryMin ?? -1);
                        node.Dump["anrcho_version:{" + op.Key + "}"] = "hash v=" + op.Version;
                        break;
                }
            }

            nodes.Add(node);
        }

        return nodes;
    }
}
