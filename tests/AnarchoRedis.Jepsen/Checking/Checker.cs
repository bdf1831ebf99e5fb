using System;
using System.Collections.Generic;
using System.Linq;
using AnarchoRedis.Jepsen.History;
using HdrHistogram;

namespace AnarchoRedis.Jepsen.Checking;

/// <summary>
/// Checks a history against what every node holds at the end. Pure: the tests feed it synthetic histories and node
/// states; the orchestrator feeds it the workers' histories and the nodes it read directly.
/// </summary>
public static class Checker
{
    public static CheckResult Check(IReadOnlyList<Operation> history, IReadOnlyList<NodeSnapshot> nodes, IReadOnlyList<FaultWindow>? faults = null, bool strictReads = false)
    {
        var result = new CheckResult { StrictReads = strictReads };
        CountOperations(history, faults ?? [], result);
        CheckLists(history, nodes, result);
        CheckRegisters(history, nodes, result);
        CheckReplicas(nodes, result);
        CheckReads(history, result);
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

    private static void CheckLists(IReadOnlyList<Operation> history, IReadOnlyList<NodeSnapshot> nodes, CheckResult result)
    {
        // element → (its list, its append). Elements are unique across the whole run.
        var appends = history.Where(o => o.F == OpFunction.Append && o.Input is not null).ToDictionary(o => o.Input!);
        result.AcknowledgedAppends = appends.Values.Count(o => o.IsOk);
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
                }
            }

            foreach (var append in appends.Values.Where(o => o.IsOk))
            {
                if (!held.TryGetValue(append.Key, out var elements) || !elements.Contains(append.Input!))
                {
                    result.LostAppends.Add(new Anomaly(append.Key, node.Name, $"{append.Input} (version {append.Version}, acknowledged at {append.CompleteTime}) is missing"));
                }
            }
        }
    }

    private static void CheckRegisters(IReadOnlyList<Operation> history, IReadOnlyList<NodeSnapshot> nodes, CheckResult result)
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

                if (final.Value is null || !writesByValue.TryGetValue(final.Value, out var write) || write.Key != key)
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
        foreach (var other in nodes.Skip(1))
        {
            Compare(first.Dump, other.Dump, first.Name, other.Name, result.ReplicaDifferences);
            Compare(first.SlotDump, other.SlotDump, first.Name, other.Name, result.SlotKeyDifferences);
        }

        static void Compare(SortedDictionary<string, string> a, SortedDictionary<string, string> b, string aName, string bName, AnomalyList into)
        {
            foreach (var key in a.Keys.Union(b.Keys))
            {
                var x = a.GetValueOrDefault(key);
                var y = b.GetValueOrDefault(key);
                if (x != y)
                {
                    into.Add(new Anomaly(key, bName, $"{aName}: {Shorten(x)} / {bName}: {Shorten(y)}"));
                }
            }
        }
    }

    private static string Shorten(string? s) => s is null ? "absent" : s.Length <= 120 ? s : s[..120] + "…";

    private static void CheckReads(IReadOnlyList<Operation> history, CheckResult result)
    {
        var ackedAppends = history.Where(o => o.F == OpFunction.Append && o.IsOk).GroupBy(o => o.Key).ToDictionary(g => g.Key, g => g.OrderBy(o => o.CompleteTime).ToList());
        var appended = history.Where(o => o.F == OpFunction.Append && o.Input is not null).ToDictionary(o => o.Input!, o => o.Key);
        var registerOps = history.Where(o => o.F is OpFunction.Write or OpFunction.Delete).GroupBy(o => o.Key).ToDictionary(g => g.Key, g => g.ToList());
        var written = history.Where(o => o.F == OpFunction.Write && o.Input is not null).ToDictionary(o => o.Input!, o => o.Key);

        foreach (var read in history.Where(o => o.IsOk && o.F == OpFunction.ReadList))
        {
            var elements = new HashSet<string>(read.ReadElements ?? [], StringComparer.Ordinal);
            foreach (var element in elements)
            {
                if (!appended.TryGetValue(element, out var key) || key != read.Key)
                {
                    result.UnexpectedReads.Add(new Anomaly(read.Key, null, $"read (p{read.Process} op {read.Id}) returned {element}, never appended to this list"));
                }
            }

            if (ackedAppends.TryGetValue(read.Key, out var acked))
            {
                var missing = acked.TakeWhile(a => a.CompleteTime < read.InvokeTime).Where(a => !elements.Contains(a.Input!)).ToList();
                if (missing.Count > 0)
                {
                    result.StaleReads.Add(new Anomaly(read.Key, null, $"list read (p{read.Process} op {read.Id}, invoked {read.InvokeTime}) missed {missing.Count} appends acknowledged before it, e.g. {missing[0].Input}"));
                }
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
            if (read.ReadValue is { } value && (!written.TryGetValue(value, out var key) || key != read.Key))
            {
                result.UnexpectedReads.Add(new Anomaly(read.Key, null, $"read (p{read.Process} op {read.Id}) returned {value}, never written to this key"));
            }

            // The newest write or delete acknowledged before the read began: the read must see it or something newer.
            if (!acknowledged.TryGetValue(read.Key, out var acked) || NewestBefore(acked, read.InvokeTime) is not { } before)
            {
                continue;
            }

            bool stale;
            if (read.ReadValue is null)
            {
                // Absent is right when that op was a delete, or a delete that may be newer overlapped the read.
                var newestDelete = NewestBefore(deletes[read.Key], read.CompleteTime ?? long.MaxValue);
                stale = before.F == OpFunction.Write && !(newestDelete is not null && (newestDelete.Version is null || newestDelete.Version > before.Version));
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
