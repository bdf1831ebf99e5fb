using System;
using System.Collections.Generic;
using System.Linq;
using AnarchoRedis.Jepsen.History;
using AnarchoRedis.Testing;
using HdrHistogram;

namespace AnarchoRedis.Jepsen.Checking;

/// <summary>
/// Checks a history against what every node holds at the end. Pure: the tests feed it synthetic histories and node
/// states; the orchestrator feeds it the workers' histories and the nodes it read directly.
/// </summary>
public static class Checker
{
    /// <param name="history">The operations.</param>
    /// <param name="nodes">What each node holds at the end.</param>
    /// <param name="faults">The faults held (for the counts during faults).</param>
    /// <param name="strictReads">Whether stale reads make the run invalid.</param>
    /// <param name="maxClockSkew">The clients' MaxClockSkew (writes acknowledged below a version further ahead are invisible).</param>
    /// <param name="clockAheadMs">
    /// How far ahead of the real clock a client's clock may have run (a clock-jump nemesis): the library judges
    /// expiries by the client's clock (a list merge keeps no element once its newest push's expiry has passed by it, and
    /// repairs so), so an expiry may take effect that much early. 0 when every client used the real clock.
    /// </param>
    /// <param name="feedSamples">The feed workload's bookkeeping sampled while it ran (none: only the end is judged).</param>
    /// <param name="feedLengthSlack">How many elements above MaxLength a sampled feed may hold (see <see cref="FeedCheck.Check"/>).</param>
    public static CheckResult Check(IReadOnlyList<Operation> history, IReadOnlyList<NodeSnapshot> nodes, IReadOnlyList<FaultWindow>? faults = null, bool strictReads = false, TimeSpan? maxClockSkew = null, long clockAheadMs = 0, IReadOnlyList<FeedObservation>? feedSamples = null, int feedLengthSlack = 0)
    {
        var result = new CheckResult { StrictReads = strictReads };
        CountOperations(history, faults ?? [], result);
        var lists = new ListHistory(history, clockAheadMs);
        CheckLists(history, nodes, lists, result);
        CheckRegisters(history, nodes, clockAheadMs, result);
        CheckReplicas(nodes, result);
        CheckReads(history, lists, clockAheadMs, result);
        CheckInvisibleWrites(history, maxClockSkew ?? TimeSpan.FromMinutes(5), faults ?? [], result);
        QueueCheck.Check(history, nodes, result);
        FeedCheck.Check(history, nodes, feedSamples ?? [], Models.FeedItem.Cap, feedLengthSlack, clockAheadMs, result);
        return result;
    }

    private static void CountOperations(IReadOnlyList<Operation> history, IReadOnlyList<FaultWindow> faults, CheckResult result)
    {
        var all = new LongHistogram(TimeSpan.FromMinutes(10).Ticks / 10, 3);
        var byFunction = new Dictionary<OpFunction, LongHistogram>();
        foreach (var op in history)
        {
            var name = op.F.ToString();
            Add(result.AllOperations, op.Outcome);
            Add(Get(result.Operations, name), op.Outcome);
            var end = op.CompleteTime ?? long.MaxValue;
            if (faults.Any(f => f.Overlaps(op.InvokeTime, end)))
            {
                Add(result.AllOperationsDuringFaults, op.Outcome);
                Add(Get(result.OperationsDuringFaults, name), op.Outcome);
            }

            if (op.LatencyMicros is { } micros)
            {
                var clamped = Math.Clamp(micros, 1, all.HighestTrackableValue);
                all.RecordValue(clamped);
                if (!byFunction.TryGetValue(op.F, out var h))
                {
                    byFunction[op.F] = h = new LongHistogram(all.HighestTrackableValue, 3);
                }

                h.RecordValue(clamped);
            }
        }

        foreach (var group in history.Where(o => o.Error is not null).GroupBy(o => ErrorKind(o.Error!)).OrderByDescending(g => g.Count()).Take(10))
        {
            result.Errors[group.Key] = group.Count();
        }

        result.Latency = Summarize(all);
        foreach (var (f, h) in byFunction)
        {
            result.LatencyByFunction[f.ToString()] = Summarize(h);
        }

        static OutcomeCounts Get(Dictionary<string, OutcomeCounts> map, string name) =>
            map.TryGetValue(name, out var c) ? c : map[name] = new OutcomeCounts();

        static void Add(OutcomeCounts counts, OpType outcome)
        {
            switch (outcome)
            {
                case OpType.Ok: counts.Ok++; break;
                case OpType.Fail: counts.Fail++; break;
                default: counts.Info++; break;
            }
        }
    }

    /// <summary>An error message without its key, so equal causes group together.</summary>
    public static string ErrorKind(string error)
    {
        var text = error;
        var key = text.IndexOf(" of key '", StringComparison.Ordinal);
        if (key > 0)
        {
            var afterKey = text.IndexOf("': ", key, StringComparison.Ordinal);
            text = afterKey > 0 ? text[..key] + text[(afterKey + 1)..] : text[..key];
        }

        return text.Length <= 300 ? text : text[..300];
    }

    public static LatencySummary Summarize(LongHistogram h) =>
        h.TotalCount == 0
            ? new LatencySummary(0, 0, 0, 0, 0)
            : new LatencySummary(h.TotalCount, h.GetValueAtPercentile(50) / 1000.0, h.GetValueAtPercentile(99) / 1000.0, h.GetValueAtPercentile(99.9) / 1000.0, h.GetMaxValue() / 1000.0);

    /// <summary>What the history says about lists: appends by element, and what may have removed an element.</summary>
    private sealed class ListHistory
    {
        private readonly long _clockAheadMs;

        public ListHistory(IReadOnlyList<Operation> history, long clockAheadMs)
        {
            _clockAheadMs = clockAheadMs;
            foreach (var op in history)
            {
                switch (op.F)
                {
                    case OpFunction.Append when op.Input is not null:
                        Appends[op.Input] = op;
                        if (op.TtlMs is not null && op.MayHaveApplied)
                        {
                            Add(TtlPushes, op.Key, op);
                        }

                        Add(Pushes, op.Key, op);
                        break;
                    case OpFunction.Remove when op.Input is not null && op.MayHaveApplied:
                        Add(Removes, op.Input, op);
                        break;
                    case OpFunction.Trim when op.MayHaveApplied:
                        Add(Trims, op.Key, op);
                        break;
                    case OpFunction.DeleteList when op.MayHaveApplied:
                        Add(Deletes, op.Key, op);
                        break;
                }
            }
        }

        /// <summary>Element → its append (elements are unique across the run).</summary>
        public Dictionary<string, Operation> Appends { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, List<Operation>> Pushes { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, List<Operation>> TtlPushes { get; } = new(StringComparer.Ordinal);

        /// <summary>Element → removes that may have applied.</summary>
        public Dictionary<string, List<Operation>> Removes { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, List<Operation>> Trims { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, List<Operation>> Deletes { get; } = new(StringComparer.Ordinal);

        private static void Add(Dictionary<string, List<Operation>> map, string key, Operation op) =>
            (map.TryGetValue(key, out var list) ? list : map[key] = new List<Operation>()).Add(op);

        private static IEnumerable<Operation> Of(Dictionary<string, List<Operation>> map, string key) =>
            map.TryGetValue(key, out var list) ? list : [];

        /// <summary>An unknown version counts as the highest.</summary>
        private static readonly ReplicatedVersion Unknown = new(ulong.MaxValue, ulong.MaxValue);

        private Dictionary<string, PrefixMax<long>>? _trimIndex;
        private Dictionary<string, PrefixMax<ReplicatedVersion>>? _deleteIndex;
        private Dictionary<string, PrefixMax<ReplicatedVersion>>? _okDeleteIndex;
        private Dictionary<string, PrefixMax<ReplicatedVersion>>? _ttlByExpiry;
        private Dictionary<string, PrefixMax<ReplicatedVersion>>? _ttlUnknownExpiry;

        private static Dictionary<string, PrefixMax<T>> Index<T>(Dictionary<string, List<Operation>> map, Func<Operation, bool> filter, Func<Operation, long> key, Func<Operation, T> value)
            where T : IComparable<T> =>
            map.ToDictionary(e => e.Key, e => new PrefixMax<T>(e.Value.Where(filter).Select(o => (key(o), value(o), o))), StringComparer.Ordinal);

        private static (T Value, Operation Op)? Query<T>(Dictionary<string, PrefixMax<T>> index, string key, long bound, bool inclusive)
            where T : IComparable<T> =>
            index.TryGetValue(key, out var prefix) ? prefix.Before(bound, inclusive) : null;

        /// <summary>
        /// Why <paramref name="append"/>'s element may legitimately be gone by <paramref name="atMicros"/> (a final state:
        /// the far future), or null when nothing may have removed it: a remove of it that may have applied (not an ok one
        /// that removed nothing); a trim of its list that may have applied and had not completed before the append began
        /// (a trim removes only what its read saw); a list delete that may have applied whose version may be at or above
        /// the element's; a push with a time to live that may be the list's newest over the element and whose expiry may
        /// have passed (the list expired with everything in it).
        /// </summary>
        public string? MayBeGone(Operation append, long atMicros)
        {
            var atMs = atMicros == long.MaxValue ? long.MaxValue / 2 : atMicros / 1000 + _clockAheadMs;
            var element = append.Input!;
            foreach (var remove in Of(Removes, element))
            {
                if (remove.InvokeTime < atMicros && !(remove.IsOk && remove.Count == 0))
                {
                    return $"remove (p{remove.Process} op {remove.Id}, {remove.Outcome})";
                }
            }

            // Each rule is one lookup in a per-key index: the largest value among the operations invoked (or due) before
            // the instant, so a long run's checks stay linear in practice.
            _trimIndex ??= Index(Trims, _ => true, o => o.InvokeTime, o => o.CompleteTime ?? long.MaxValue);
            if (Query(_trimIndex, append.Key, atMicros, inclusive: false) is { } trim && trim.Value > append.InvokeTime)
            {
                return $"trim (p{trim.Op.Process} op {trim.Op.Id}, {trim.Op.Outcome})";
            }

            var version = append.Version ?? ReplicatedVersion.Zero;
            _deleteIndex ??= Index(Deletes, _ => true, o => o.InvokeTime, o => o.Version ?? Unknown);
            if (Query(_deleteIndex, append.Key, atMicros, inclusive: false) is { } delete && delete.Value >= version)
            {
                return $"list delete (p{delete.Op.Process} op {delete.Op.Id}, {delete.Op.Outcome}, at {delete.Op.Version?.ToString() ?? "?"})";
            }

            // A push's earliest expiry is after its invocation, so "due by then" implies "invoked by then" for the
            // pushes whose expiry window is known.
            _ttlByExpiry ??= Index(TtlPushes, o => o.ExpiryMin is not null, o => o.ExpiryMin!.Value, o => o.Version ?? Unknown);
            _ttlUnknownExpiry ??= Index(TtlPushes, o => o.ExpiryMin is null, o => o.InvokeTime, o => o.Version ?? Unknown);
            var byExpiry = Query(_ttlByExpiry, append.Key, atMs, inclusive: true);
            var unknown = Query(_ttlUnknownExpiry, append.Key, atMicros, inclusive: false);
            var expired = byExpiry is { } e && e.Value >= version ? byExpiry : unknown is { } u && u.Value >= version ? unknown : null;
            if (expired is { } push)
            {
                return $"expiry of push {push.Op.Input} (ttl {push.Op.TtlMs} ms, expiry >= {push.Op.ExpiryMin?.ToString() ?? "?"})";
            }

            return null;
        }

        /// <summary>
        /// Why <paramref name="element"/> must be gone from every node by <paramref name="atMicros"/> (acknowledged before
        /// it), or null: an ok remove that removed it, an ok list delete at or above its ok append's version.
        /// </summary>
        public string? DefinitelyGone(string element, long atMicros)
        {
            foreach (var remove in Of(Removes, element))
            {
                if (remove.IsOk && remove.Count > 0 && remove.CompleteTime < atMicros)
                {
                    return $"removed by p{remove.Process} op {remove.Id} (acknowledged at {remove.CompleteTime})";
                }
            }

            if (Appends.TryGetValue(element, out var append) && append.IsOk && append.Version is { } version)
            {
                _okDeleteIndex ??= Index(Deletes, o => o.IsOk && o.Version is not null, o => o.CompleteTime!.Value, o => o.Version!.Value);
                if (Query(_okDeleteIndex, append.Key, atMicros, inclusive: false) is { } delete && delete.Value >= version)
                {
                    return $"pushed at {version}, list deleted at {delete.Op.Version} by p{delete.Op.Process} op {delete.Op.Id} (acknowledged at {delete.Op.CompleteTime})";
                }
            }

            return null;
        }

        /// <summary>
        /// The push whose expiry a list of <paramref name="key"/> must carry at the end (its newest acknowledged push), or
        /// null when that cannot be told: a push or list delete with no known version may be newer, or an acknowledged
        /// delete covers the newest push (the list is empty).
        /// </summary>
        public Operation? ExpiryOwner(string key)
        {
            var pushes = Of(Pushes, key).Where(p => p.MayHaveApplied).ToList();
            if (pushes.Count == 0 || pushes.Any(p => p.Version is null) || Of(Deletes, key).Any(d => d.Version is null))
            {
                return null;
            }

            var newest = pushes.MaxBy(p => p.Version!.Value)!;
            return Of(Deletes, key).Any(d => d.Version >= newest.Version) ? null : newest;
        }
    }

    /// <summary>Items sorted by a key, with the largest value (and its operation) among each prefix.</summary>
    private sealed class PrefixMax<T>
        where T : IComparable<T>
    {
        private readonly long[] _keys;
        private readonly T[] _max;
        private readonly Operation[] _op;

        public PrefixMax(IEnumerable<(long Key, T Value, Operation Op)> items)
        {
            var sorted = items.OrderBy(i => i.Key).ToArray();
            _keys = new long[sorted.Length];
            _max = new T[sorted.Length];
            _op = new Operation[sorted.Length];
            for (var i = 0; i < sorted.Length; i++)
            {
                _keys[i] = sorted[i].Key;
                var better = i == 0 || sorted[i].Value.CompareTo(_max[i - 1]) > 0;
                _max[i] = better ? sorted[i].Value : _max[i - 1];
                _op[i] = better ? sorted[i].Op : _op[i - 1];
            }
        }

        /// <summary>The largest value among the items whose key is below <paramref name="bound"/> (or at it, when inclusive).</summary>
        public (T Value, Operation Op)? Before(long bound, bool inclusive)
        {
            // The number of keys below (or at) the bound.
            int lo = 0, hi = _keys.Length;
            while (lo < hi)
            {
                var mid = (lo + hi) >>> 1;
                if (_keys[mid] < bound || (inclusive && _keys[mid] == bound))
                {
                    lo = mid + 1;
                }
                else
                {
                    hi = mid;
                }
            }

            return lo == 0 ? null : (_max[lo - 1], _op[lo - 1]);
        }
    }

    private static void CheckLists(IReadOnlyList<Operation> history, IReadOnlyList<NodeSnapshot> nodes, ListHistory lists, CheckResult result)
    {
        var appends = lists.Appends;
        result.AcknowledgedAppends = appends.Values.Count(o => o.IsOk);
        result.AcknowledgedListRemovals = history.Count(o => o.IsOk && (o.F is OpFunction.Trim or OpFunction.DeleteList || (o.F == OpFunction.Remove && o.Count > 0)));
        foreach (var node in nodes)
        {
            var held = new Dictionary<string, HashSet<string>>();
            foreach (var (key, elements) in node.Lists)
            {
                var seen = held[key] = new HashSet<string>(StringComparer.Ordinal);
                foreach (var element in elements)
                {
                    if (!seen.Add(element))
                    {
                        result.DuplicateElements.Add(new Anomaly(key, node.Name, $"{element} is held more than once"));
                        continue;
                    }

                    if (!appends.TryGetValue(element, out var append) || append.Key != key)
                    {
                        result.UnexpectedElements.Add(new Anomaly(key, node.Name, $"{element} was never appended to this list"));
                    }
                    else if (append.Outcome == OpType.Fail)
                    {
                        result.UnexpectedElements.Add(new Anomaly(key, node.Name, $"{element} is present but its append was reported as definitely failed ({append.Error})"));
                    }
                    else if (lists.DefinitelyGone(element, long.MaxValue) is { } why)
                    {
                        result.ResurrectedElements.Add(new Anomaly(key, node.Name, $"{element} is present but was {why}"));
                    }
                }
            }

            var atMicros = node.ReadAtMs * 1000;
            foreach (var append in appends.Values.Where(o => o.IsOk))
            {
                if ((!held.TryGetValue(append.Key, out var elements) || !elements.Contains(append.Input!)) && lists.MayBeGone(append, atMicros) is null)
                {
                    result.LostAppends.Add(new Anomaly(append.Key, node.Name, $"{append.Input} (version {append.Version}, acknowledged at {append.CompleteTime}) is missing"));
                }
            }

            foreach (var (key, expiry) in node.ListExpiry)
            {
                if (!lists.TtlPushes.ContainsKey(key) && expiry == -1)
                {
                    continue;
                }

                if (lists.ExpiryOwner(key) is not { } owner)
                {
                    continue;
                }

                if (ExpiryMismatch(owner, expiry) is { } mismatch)
                {
                    result.ExpiryMismatches.Add(new Anomaly(key, node.Name, $"list newest push {owner.Input} at {owner.Version}: {mismatch}"));
                }
            }
        }
    }

    /// <summary>How an expiry a node holds differs from the one <paramref name="write"/> set, or null when it is that one (or cannot be told).</summary>
    private static string? ExpiryMismatch(Operation write, long? expiry)
    {
        if (expiry is not { } x)
        {
            return null;
        }

        if (write.TtlMs is null)
        {
            return x == -1 ? null : $"the write set no time to live, the node expires it at {x}";
        }

        if (write.ExpiryMin is not { } min || write.ExpiryMax is not { } max)
        {
            return null;
        }

        return x == -1 ? $"the write set an expiry in [{min}, {max}], the node holds it without one" :
            x < min || x > max ? $"the write set an expiry in [{min}, {max}], the node expires it at {x}" : null;
    }

    private static void CheckRegisters(IReadOnlyList<Operation> history, IReadOnlyList<NodeSnapshot> nodes, long clockAheadMs, CheckResult result)
    {
        var byKey = history.Where(o => o.F is OpFunction.Write or OpFunction.Delete).GroupBy(o => o.Key).ToDictionary(g => g.Key, g => g.ToList());
        var writesByValue = history.Where(o => o.F == OpFunction.Write && o.Input is not null).ToDictionary(o => o.Input!);
        result.AcknowledgedRegisterOps = byKey.Values.Sum(ops => ops.Count(o => o.IsOk));
        foreach (var node in nodes)
        {
            foreach (var (key, ops) in byKey)
            {
                var newest = ops.Where(o => o.IsOk && o.Version is not null).MaxBy(o => o.Version!.Value);
                node.Registers.TryGetValue(key, out var final);
                if (newest is not null)
                {
                    var finalVersion = final?.Version ?? ReplicatedVersion.Zero;
                    if (finalVersion < newest.Version!.Value)
                    {
                        if (newest.F == OpFunction.Delete && final is { Tombstone: false })
                        {
                            result.ResurrectedDeletes.Add(new Anomaly(key, node.Name, $"deleted at {newest.Version} (acknowledged), holds the older value {final.Value} at {final.Version}"));
                        }
                        else
                        {
                            result.LostRegisterWrites.Add(new Anomaly(key, node.Name, $"newest acknowledged {newest.F} {newest.Input} at {newest.Version}, node holds {Describe(final)}"));
                        }
                    }
                }
            }

            foreach (var (key, final) in node.Registers)
            {
                if (final.Tombstone)
                {
                    continue;
                }

                if (final.Value is null)
                {
                    // A live version without a value: expired, which only a write with a time to live that may be due can explain.
                    var ownWrite = byKey.GetValueOrDefault(key)?.FirstOrDefault(o => o.F == OpFunction.Write && o.IsOk && o.Version == final.Version);
                    var explained = ownWrite is not null
                        ? ownWrite.TtlMs is not null && (ownWrite.ExpiryMin ?? 0) <= node.ReadAtMs + clockAheadMs
                        : byKey.GetValueOrDefault(key)?.Any(o => o.F == OpFunction.Write && o.Outcome == OpType.Info && o.TtlMs is not null && (o.ExpiryMin ?? 0) <= node.ReadAtMs + clockAheadMs) == true;
                    if (!explained)
                    {
                        result.VanishedValues.Add(new Anomaly(key, node.Name, ownWrite is null
                            ? $"holds no value at {final.Version}, and no write that may have set a time to live explains it"
                            : $"holds no value at {final.Version}, written by {ownWrite.Input} (ttl {ownWrite.TtlMs?.ToString() ?? "none"}, expiry >= {ownWrite.ExpiryMin?.ToString() ?? "-"}), read at {node.ReadAtMs}"));
                    }

                    continue;
                }

                if (!writesByValue.TryGetValue(final.Value, out var write) || write.Key != key)
                {
                    result.UnexpectedRegisterValues.Add(new Anomaly(key, node.Name, $"holds {Describe(final)}, which no write of this key invoked"));
                }
                else if (write.Outcome == OpType.Fail)
                {
                    result.UnexpectedRegisterValues.Add(new Anomaly(key, node.Name, $"holds {final.Value}, whose write was reported as definitely failed ({write.Error})"));
                }
                else if (write.IsOk && write.Version != final.Version)
                {
                    result.UnexpectedRegisterValues.Add(new Anomaly(key, node.Name, $"holds {final.Value} at {final.Version}, but that write was acknowledged at {write.Version}"));
                }
                else if (ExpiryMismatch(write, final.DataExpiry) is { } mismatch)
                {
                    result.ExpiryMismatches.Add(new Anomaly(key, node.Name, $"holds {final.Value} at {final.Version}: {mismatch}"));
                }
            }
        }
    }

    private static string Describe(RegisterState? state) =>
        state is null ? "nothing" : state.Tombstone ? $"a tombstone at {state.Version}" : $"{state.Value} at {state.Version}";

    private static void CheckReplicas(IReadOnlyList<NodeSnapshot> nodes, CheckResult result)
    {
        if (nodes.Count == 0)
        {
            return;
        }

        var first = nodes[0];
        result.KeysCompared = nodes.SelectMany(n => n.Dump.Keys).Distinct().Count();
        // A key whose expiry passed before the last node was read may have been read live on one node and gone on the
        // next: it counts as absent everywhere (the testing kit's rule).
        var expiredBy = nodes.Max(n => n.ReadAtMs);
        foreach (var other in nodes.Skip(1))
        {
            Compare(first.Dump, other.Dump, first.Name, other.Name, expiredBy, result.ReplicaDifferences);
            Compare(first.SlotDump, other.SlotDump, first.Name, other.Name, expiredBy, result.SlotKeyDifferences);
        }

        static void Compare(SortedDictionary<string, string> a, SortedDictionary<string, string> b, string aName, string bName, long expiredBy, AnomalyList into)
        {
            foreach (var key in a.Keys.Union(b.Keys))
            {
                var x = a.GetValueOrDefault(key) is { } xt && !KeyspaceComparison.ExpiredBy(xt, expiredBy) ? xt : null;
                var y = b.GetValueOrDefault(key) is { } yt && !KeyspaceComparison.ExpiredBy(yt, expiredBy) ? yt : null;
                if (x != y)
                {
                    into.Add(new Anomaly(key, bName, $"{aName}: {Shorten(x)} / {bName}: {Shorten(y)}"));
                }
            }
        }
    }

    private static string Shorten(string? s) => s is null ? "absent" : s.Length <= 120 ? s : s[..120] + "…";

    private static void CheckReads(IReadOnlyList<Operation> history, ListHistory lists, long clockAheadMs, CheckResult result)
    {
        var ackedAppends = history.Where(o => o.F == OpFunction.Append && o.IsOk).GroupBy(o => o.Key).ToDictionary(g => g.Key, g => g.OrderBy(o => o.CompleteTime).ToList());
        var appended = history.Where(o => o.F == OpFunction.Append && o.Input is not null).ToDictionary(o => o.Input!, o => o.Key);
        var registerOps = history.Where(o => o.F is OpFunction.Write or OpFunction.Delete).GroupBy(o => o.Key).ToDictionary(g => g.Key, g => g.ToList());
        var written = history.Where(o => o.F == OpFunction.Write && o.Input is not null).ToDictionary(o => o.Input!);

        foreach (var read in history.Where(o => o.IsOk && o.F == OpFunction.ReadList))
        {
            var elements = new HashSet<string>(read.ReadElements ?? [], StringComparer.Ordinal);
            foreach (var element in elements)
            {
                if (!appended.TryGetValue(element, out var key) || key != read.Key)
                {
                    result.UnexpectedReads.Add(new Anomaly(read.Key, null, $"read (p{read.Process} op {read.Id}) returned {element}, never appended to this list"));
                }
                else if (lists.DefinitelyGone(element, read.InvokeTime) is { } why)
                {
                    result.ResurrectedElements.Add(new Anomaly(read.Key, null, $"read (p{read.Process} op {read.Id}, invoked {read.InvokeTime}) returned {element}, {why}"));
                }
            }

            if (ackedAppends.TryGetValue(read.Key, out var acked))
            {
                var missing = acked.TakeWhile(a => a.CompleteTime < read.InvokeTime)
                    .Where(a => !elements.Contains(a.Input!) && lists.MayBeGone(a, read.CompleteTime ?? long.MaxValue) is null)
                    .ToList();
                if (missing.Count > 0)
                {
                    result.StaleReads.Add(new Anomaly(read.Key, null, $"list read (p{read.Process} op {read.Id}, invoked {read.InvokeTime}) missed {missing.Count} appends acknowledged before it, e.g. {missing[0].Input}"));
                }
            }
        }

        // A remove reads the merged list with W before it removes: one that found nothing must not have missed an
        // element acknowledged before it began (unless something else may have removed it by then).
        foreach (var remove in history.Where(o => o.IsOk && o.F == OpFunction.Remove && o.Count == 0 && o.Input is not null))
        {
            if (lists.Appends.TryGetValue(remove.Input!, out var append) && append.IsOk && append.CompleteTime < remove.InvokeTime &&
                lists.MayBeGone(append, remove.CompleteTime ?? long.MaxValue) is null)
            {
                result.StaleReads.Add(new Anomaly(remove.Key, null, $"remove (p{remove.Process} op {remove.Id}, invoked {remove.InvokeTime}) found no {remove.Input}, whose append was acknowledged at {append.CompleteTime}"));
            }
        }

        // Per register: its ok writes and deletes by completion time with the running newest (the newest acknowledged
        // before any instant is one binary search away), and its not-failed deletes by invocation time with the
        // running newest version (a delete with no version yet counts as newer than anything).
        var acknowledged = registerOps.ToDictionary(
            e => e.Key,
            e => RunningNewest(e.Value.Where(o => o.IsOk && o.Version is not null).OrderBy(o => o.CompleteTime!.Value).Select(o => (o.CompleteTime!.Value, o))));
        var deletes = registerOps.ToDictionary(
            e => e.Key,
            e => RunningNewest(e.Value.Where(o => o.F == OpFunction.Delete && o.Outcome != OpType.Fail).OrderBy(o => o.InvokeTime).Select(o => (o.InvokeTime, o))));

        foreach (var read in history.Where(o => o.IsOk && o.F == OpFunction.Read))
        {
            var write = read.ReadValue is { } value ? written.GetValueOrDefault(value) : null;
            if (read.ReadValue is not null && (write is null || write.Key != read.Key))
            {
                result.UnexpectedReads.Add(new Anomaly(read.Key, null, $"read (p{read.Process} op {read.Id}) returned {read.ReadValue}, never written to this key"));
            }
            else if (write is { TtlMs: not null, ExpiryMax: { } expiry } && expiry + 1 < read.InvokeTime / 1000)
            {
                // Nodes expire by their own clock (this machine's): once the real time is past the absolute expiry the
                // writer computed, no node holds the value any more.
                result.ExpiredReads.Add(new Anomaly(read.Key, null, $"read (p{read.Process} op {read.Id}, invoked {read.InvokeTime / 1000} ms) returned {read.ReadValue}, which expired at {expiry} ms at the latest"));
            }

            // The newest write or delete acknowledged before the read began: the read must see it or something newer.
            if (!acknowledged.TryGetValue(read.Key, out var acked) || NewestBefore(acked, read.InvokeTime) is not { } before)
            {
                continue;
            }

            bool stale;
            if (read.ReadValue is null)
            {
                // Absent is right when that op was a delete, or a delete that may be newer overlapped the read, or a write
                // with a time to live (that one, or one that may be newer) may have expired by the read's end.
                var newestDelete = NewestBefore(deletes[read.Key], read.CompleteTime ?? long.MaxValue);
                var endMs = read.CompleteTime is { } end ? end / 1000 + clockAheadMs : long.MaxValue;
                var mayHaveExpired = registerOps[read.Key].Any(o =>
                    o.F == OpFunction.Write && o.MayHaveApplied && o.TtlMs is not null && o.InvokeTime < (read.CompleteTime ?? long.MaxValue) &&
                    (o.ExpiryMin ?? 0) <= endMs && (o.Version is null || o.Version >= before.Version));
                stale = before.F == OpFunction.Write && !mayHaveExpired && !(newestDelete is not null && (newestDelete.Version is null || newestDelete.Version > before.Version));
            }
            else
            {
                stale = read.Version is null || read.Version < before.Version;
            }

            if (stale)
            {
                result.StaleReads.Add(new Anomaly(read.Key, null, $"read (p{read.Process} op {read.Id}, invoked {read.InvokeTime}) returned {read.ReadValue ?? "nothing"} at {read.Version}, after {before.F} {before.Input} at {before.Version} was acknowledged"));
            }
        }
    }

    /// <summary>
    /// A write acknowledged although it can never become visible: a register write (or delete) below the version of a
    /// write or delete of the key acknowledged before it began, or a push below the version of a list delete acknowledged
    /// before it began, by more than MaxClockSkew. The acknowledged newer version is on at least one node of every
    /// write quorum, and a node holding a version that far ahead must not count toward W (docs/reliability.md, row 11:
    /// no write is reported done that cannot be seen); within MaxClockSkew, clock order decides and such a write is legitimately superseded.
    /// </summary>
    private static void CheckInvisibleWrites(IReadOnlyList<Operation> history, TimeSpan maxClockSkew, IReadOnlyList<FaultWindow> faults, CheckResult result)
    {
        var skewMs = (long)maxClockSkew.TotalMilliseconds;
        // A forward clock jump of the writer's process while its write was in flight: its clock at the reply is unknown.
        var jumps = faults.Where(f => f.Kind == Nemesis.FaultKind.ClockJump).Select(f => (Process: f.Node, From: f.Start, To: f.Start + 200_000)).ToList();
        foreach (var group in history.Where(o => o.IsOk && o.Version is not null && o.F is OpFunction.Write or OpFunction.Delete or OpFunction.Append or OpFunction.DeleteList).GroupBy(o => o.Key))
        {
            // The acknowledged writes that supersede others (register writes and deletes; list deletes), by completion.
            var superseding = group.Where(o => o.F is OpFunction.Write or OpFunction.Delete or OpFunction.DeleteList).OrderBy(o => o.CompleteTime).ToList();
            if (superseding.Count == 0)
            {
                continue;
            }

            var (times, newest) = RunningNewest(superseding.Select(o => (o.CompleteTime!.Value, o)));
            foreach (var write in group.Where(o => o.F is OpFunction.Write or OpFunction.Delete or OpFunction.Append))
            {
                if (NewestBefore((times, newest), write.InvokeTime) is not { } before || before.Version <= write.Version ||
                    jumps.Any(j => j.Process == write.Process && write.InvokeTime < j.To && (write.CompleteTime ?? long.MaxValue) > j.From))
                {
                    continue;
                }

                // The client compares with its wall clock when the reply arrives, which is at most the write's own version
                // time (the HLC never runs behind the wall clock) plus the time the write took.
                var clockAtReplyMs = write.Version!.Value.Timestamp.ToUnixTimeMilliseconds() + ((write.LatencyMicros ?? 0) + 999) / 1000;
                var aheadMs = before.Version!.Value.Timestamp.ToUnixTimeMilliseconds() - clockAtReplyMs;
                if (aheadMs > skewMs)
                {
                    result.InvisibleWrites.Add(new Anomaly(write.Key, null, $"{write.F} {write.Input} (p{write.Process} op {write.Id}) acknowledged at {write.Version}, {aheadMs} ms below {before.F} at {before.Version} acknowledged before it began (MaxClockSkew {skewMs} ms)"));
                }
            }
        }
    }

    /// <summary>
    /// Operations ordered by a time, each paired with the newest (highest version; no version counts as newest) of it
    /// and those before it.
    /// </summary>
    private static (long[] Times, Operation[] Newest) RunningNewest(IEnumerable<(long Time, Operation Op)> ordered)
    {
        var items = ordered.ToArray();
        var times = new long[items.Length];
        var newest = new Operation[items.Length];
        Operation? best = null;
        for (var i = 0; i < items.Length; i++)
        {
            var op = items[i].Op;
            if (best is null || best.Version is not null && (op.Version is null || op.Version > best.Version))
            {
                best = op;
            }

            times[i] = items[i].Time;
            newest[i] = best;
        }

        return (times, newest);
    }

    /// <summary>The newest operation whose time is strictly before <paramref name="time"/>, or <see langword="null"/>.</summary>
    private static Operation? NewestBefore((long[] Times, Operation[] Newest) running, long time)
    {
        var index = Array.BinarySearch(running.Times, time);
        // The first index at or after time (equal times are not "before"): step back over equal entries.
        var end = index >= 0 ? index : ~index;
        while (end > 0 && running.Times[end - 1] >= time)
        {
            end--;
        }

        return end == 0 ? null : running.Newest[end - 1];
    }
}
