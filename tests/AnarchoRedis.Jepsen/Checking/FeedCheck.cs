using System;
using System.Collections.Generic;
using System.Linq;
using AnarchoRedis.Jepsen.History;

namespace AnarchoRedis.Jepsen.Checking;

/// <summary>One sample of a feed's bookkeeping on one node, read directly from it while the workload ran.</summary>
/// <param name="Node">The node's name.</param>
/// <param name="Key">The feed key.</param>
/// <param name="AtMicros">When it was read (Unix µs).</param>
/// <param name="Length">LLEN of the feed's data key (0: absent).</param>
/// <param name="Tombstones">HLEN of its element-tombstone hash (<c>anrcho_tomb:{key}</c>; 0: absent).</param>
/// <param name="MetaFields">HLEN of its meta hash (0: absent).</param>
public sealed record FeedObservation(string Node, string Key, long AtMicros, long Length, long Tombstones, long MetaFields);

/// <summary>
/// The feed workload's rules (<see cref="OpFunction.FeedPush"/>, <see cref="OpFunction.FeedTrim"/>,
/// <see cref="OpFunction.FeedRead"/>, the nodes' <see cref="NodeSnapshot.Feeds"/> and the bookkeeping sampled during the
/// run). A feed is capped at N (its MaxLength): every push keeps each node's newest N by raising the list's floor, a
/// keep-newest trim raises it further, and nothing else removes an element (the workload never removes by value).
/// </summary>
/// <remarks>
/// Ids are versions, so "newest" is "highest id". An acknowledged push's id is the version it returned; an indeterminate
/// push's id is known only when some node holds it at the end, else it is unknown and counts as possibly above any id its
/// completion time does not rule out (an id's time is the pushing client's clock, which runs at most the clock-jump
/// nemesis' offset ahead of the real one; 1 s more for the logical counter).
/// <list type="bullet">
/// <item><b>Lost</b> (per node): an acknowledged push e missing at the end although it must still be there. Two ways:
/// (1) the node holds an element with a lower id: every way an element leaves a feed is a floor, and a floor that dropped
/// e dropped every lower id too; (2) fewer than N pushes that may have applied (acknowledged or indeterminate, e
/// excluded) can have an id above e's, so no cap dropped it, and no keep-newest trim to c can have either: a trim's floor
/// is the (c+1)-th newest id of what it read, which holds only pushes invoked before the trim completed, so it covers e
/// only when at least c of those can be above e.</item>
/// <item><b>Unexpected</b>: a node holds an element never pushed onto that feed, whose push definitely failed, twice, or
/// under another id than its push was acknowledged with; or an ok read returned an element never pushed onto the feed
/// (or whose push failed, or began after the read completed).</item>
/// <item><b>Stale reads</b>: an ok read that lacks an acknowledged push completed before the read began while it returned
/// an element with a lower id (the read merges a quorum, which holds the push; a floor dropping it drops the lower id
/// too). Part of the verdict when reads are strict.</item>
/// <item><b>Bookkeeping</b>: at the end, every node's feed holds at most N elements and no element tombstone; in every
/// sample taken during the run, at most N + slack elements (a node may hold more than N after crossing pushes or a merge
/// until its next push trims it; see <see cref="Check"/>) and no tombstone; the meta hash's field count is the same in
/// every sample and at the end.</item>
/// </list>
/// </remarks>
public static class FeedCheck
{
    /// <summary>Applies the feed rules.</summary>
    /// <param name="history">The operations.</param>
    /// <param name="nodes">What each node holds at the end (after the final heal and pass).</param>
    /// <param name="samples">The bookkeeping sampled during the run (may be empty).</param>
    /// <param name="cap">The feeds' MaxLength (N).</param>
    /// <param name="lengthSlack">
    /// How many elements above N a sampled list may hold: the pushes that can cross at once (every pushing client has one
    /// push in flight). Each node caps its own copy, and a merge (post-write check of an overlapping write, a read repair,
    /// a pass) is the union above the highest floor, which adds to a node's newest N only pushes it had not received.
    /// </param>
    /// <param name="clockAheadMs">How far ahead of the real clock a client's clock may have run (clock-jump nemesis), 0 otherwise.</param>
    /// <param name="result">Where the findings go.</param>
    public static void Check(IReadOnlyList<Operation> history, IReadOnlyList<NodeSnapshot> nodes, IReadOnlyList<FeedObservation> samples, int cap, int lengthSlack, long clockAheadMs, CheckResult result)
    {
        var ops = history.Where(o => o.F is OpFunction.FeedPush or OpFunction.FeedTrim or OpFunction.FeedRead).ToList();
        if (ops.Count == 0 && nodes.All(n => n.Feeds.Count == 0 && n.FeedTombstones.Count == 0) && samples.Count == 0)
        {
            return;
        }

        result.FeedCap = cap;
        result.FeedLengthSlack = lengthSlack;
        var pushes = new Dictionary<string, Operation>(StringComparer.Ordinal);
        foreach (var op in ops.Where(o => o.F == OpFunction.FeedPush && o.Input is not null))
        {
            pushes[op.Input!] = op;
        }

        result.FeedPushesAcknowledged = pushes.Values.Count(p => p.IsOk);
        result.FeedPushesIndeterminate = pushes.Values.Count(p => p.Outcome == OpType.Info);
        result.FeedTrims = ops.Count(o => o.F == OpFunction.FeedTrim && o.IsOk);
        result.FeedReads = ops.Count(o => o.F == OpFunction.FeedRead && o.IsOk);

        // The id of every push some node holds at the end (the indeterminate ones' only source).
        var heldIds = new Dictionary<string, ReplicatedVersion>(StringComparer.Ordinal);
        foreach (var node in nodes)
        {
            foreach (var (key, elements) in node.Feeds)
            {
                var seen = new HashSet<string>(StringComparer.Ordinal);
                foreach (var element in elements)
                {
                    heldIds.TryAdd(element.Value, element.Id);
                    if (!seen.Add(element.Value))
                    {
                        result.FeedUnexpected.Add(new Anomaly(key, node.Name, $"{element.Value} is held more than once"));
                    }
                    else if (!pushes.TryGetValue(element.Value, out var push) || push.Key != key)
                    {
                        result.FeedUnexpected.Add(new Anomaly(key, node.Name, $"{element.Value} (id {element.Id}) was never pushed onto this feed"));
                    }
                    else if (push.Outcome == OpType.Fail)
                    {
                        result.FeedUnexpected.Add(new Anomaly(key, node.Name, $"{element.Value} (id {element.Id}) is held but its push was reported as definitely failed ({push.Error})"));
                    }
                    else if (push.IsOk && push.Version != element.Id)
                    {
                        result.FeedUnexpected.Add(new Anomaly(key, node.Name, $"{element.Value} is held under id {element.Id}, but its push was acknowledged at {push.Version}"));
                    }
                }
            }
        }

        var trims = ops.Where(o => o.F == OpFunction.FeedTrim && o.MayHaveApplied && o.Input is not null)
            .GroupBy(o => o.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        var feeds = pushes.Values.Where(p => p.MayHaveApplied).GroupBy(p => p.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => new FeedPushes(g, heldIds, clockAheadMs), StringComparer.Ordinal);

        // Every acknowledged push, on every node: present, or legitimately below a floor.
        foreach (var (key, feed) in feeds)
        {
            var keyTrims = trims.GetValueOrDefault(key) ?? [];
            foreach (var node in nodes)
            {
                var held = node.Feeds.GetValueOrDefault(key) ?? [];
                var values = held.Select(e => e.Value).ToHashSet(StringComparer.Ordinal);
                ReplicatedVersion? lowest = held.Count == 0 ? null : held.Min(e => e.Id);
                foreach (var (id, push) in feed.Known)
                {
                    if (!push.IsOk || values.Contains(push.Input!))
                    {
                        continue;
                    }

                    if (lowest is { } low && low < id)
                    {
                        var lower = held.First(e => e.Id == low);
                        result.FeedLost.Add(new Anomaly(key, node.Name, $"{Describe(push)} is missing, but the node holds the older {lower.Value} (id {lower.Id}): a floor that dropped it would have dropped that one too"));
                    }
                    else if (feed.WhyGone(push, id, cap, keyTrims) is null)
                    {
                        result.FeedLost.Add(new Anomaly(key, node.Name, $"{Describe(push)} is missing, but fewer than {cap} pushes that may have applied can be newer and no keep-newest trim can have covered it (newer: {feed.Describe(id)})"));
                    }
                }
            }
        }

        CheckReads(ops, pushes, feeds, result);
        CheckBookkeeping(nodes, samples, cap, lengthSlack, result);
        result.FeedElementsHeld = nodes.SelectMany(n => n.Feeds.Values).SelectMany(l => l).Select(e => e.Value).Distinct(StringComparer.Ordinal).LongCount();
    }

    private static void CheckReads(List<Operation> ops, Dictionary<string, Operation> pushes, Dictionary<string, FeedPushes> feeds, CheckResult result)
    {
        foreach (var read in ops.Where(o => o.F == OpFunction.FeedRead && o.IsOk))
        {
            var returned = read.ReadElements ?? [];
            result.FeedMaxReadLength = Math.Max(result.FeedMaxReadLength, returned.Count);
            ReplicatedVersion? lowest = null;
            string? lowestValue = null;
            foreach (var element in returned)
            {
                if (!pushes.TryGetValue(element, out var push) || push.Key != read.Key)
                {
                    result.FeedUnexpected.Add(new Anomaly(read.Key, null, $"read (p{read.Process} op {read.Id}) returned {element}, never pushed onto this feed"));
                }
                else if (push.Outcome == OpType.Fail)
                {
                    result.FeedUnexpected.Add(new Anomaly(read.Key, null, $"read (p{read.Process} op {read.Id}) returned {element}, whose push was reported as definitely failed ({push.Error})"));
                }
                else if (push.InvokeTime > (read.CompleteTime ?? long.MaxValue))
                {
                    result.FeedUnexpected.Add(new Anomaly(read.Key, null, $"read (p{read.Process} op {read.Id}, completed {read.CompleteTime}) returned {element}, whose push began only at {push.InvokeTime}"));
                }
                else if (push.IsOk && push.Version is { } id && (lowest is null || id < lowest))
                {
                    (lowest, lowestValue) = (id, element);
                }
            }

            if (lowest is not { } low || !feeds.TryGetValue(read.Key, out var feed))
            {
                continue;
            }

            var got = returned.ToHashSet(StringComparer.Ordinal);
            var missed = feed.AcknowledgedAbove(low, read.InvokeTime).Where(p => !got.Contains(p.Input!)).ToList();
            if (missed.Count > 0)
            {
                result.FeedStaleReads.Add(new Anomaly(read.Key, null, $"read (p{read.Process} op {read.Id}, invoked {read.InvokeTime}) returned {lowestValue} (id {low}) but not {missed.Count} newer push(es) acknowledged before it began, e.g. {Describe(missed[0])}"));
            }
        }
    }

    private static void CheckBookkeeping(IReadOnlyList<NodeSnapshot> nodes, IReadOnlyList<FeedObservation> samples, int cap, int lengthSlack, CheckResult result)
    {
        var metaFields = new Dictionary<string, (long Min, long Max)>(StringComparer.Ordinal);
        void Meta(string key, long fields)
        {
            if (fields > 0)
            {
                metaFields[key] = metaFields.TryGetValue(key, out var m) ? (Math.Min(m.Min, fields), Math.Max(m.Max, fields)) : (fields, fields);
            }
        }

        result.FeedSamples = samples.Count;
        foreach (var s in samples)
        {
            result.FeedMaxTombstonesSampled = Math.Max(result.FeedMaxTombstonesSampled, s.Tombstones);
            result.FeedMaxLengthSampled = Math.Max(result.FeedMaxLengthSampled, s.Length);
            Meta(s.Key, s.MetaFields);
            if (s.Tombstones > 0)
            {
                result.FeedBookkeeping.Add(new Anomaly(s.Key, s.Node, $"sampled at {s.AtMicros}: {s.Tombstones} element tombstone(s) (a capped feed writes none)"));
            }

            if (s.Length > cap + lengthSlack)
            {
                result.FeedBookkeeping.Add(new Anomaly(s.Key, s.Node, $"sampled at {s.AtMicros}: {s.Length} elements, more than MaxLength {cap} + {lengthSlack}"));
            }
        }

        foreach (var node in nodes)
        {
            foreach (var (key, tombstones) in node.FeedTombstones)
            {
                result.FeedMaxTombstonesFinal = Math.Max(result.FeedMaxTombstonesFinal, tombstones);
                if (tombstones > 0)
                {
                    result.FeedBookkeeping.Add(new Anomaly(key, node.Name, $"at the end: {tombstones} element tombstone(s) (a capped feed writes none)"));
                }
            }

            foreach (var (key, elements) in node.Feeds)
            {
                result.FeedMaxLengthFinal = Math.Max(result.FeedMaxLengthFinal, elements.Count);
                if (elements.Count > cap)
                {
                    result.FeedBookkeeping.Add(new Anomaly(key, node.Name, $"at the end: {elements.Count} elements, more than MaxLength {cap}"));
                }
            }

            foreach (var (key, fields) in node.FeedMetaFields)
            {
                Meta(key, fields);
            }
        }

        foreach (var (key, (min, max)) in metaFields)
        {
            result.FeedMetaFieldsMin = result.FeedMetaFieldsMin == 0 ? min : Math.Min(result.FeedMetaFieldsMin, min);
            result.FeedMetaFieldsMax = Math.Max(result.FeedMetaFieldsMax, max);
            if (min != max)
            {
                result.FeedBookkeeping.Add(new Anomaly(key, null, $"the meta hash held between {min} and {max} fields (its size must not change)"));
            }
        }
    }

    private static string Describe(Operation push) =>
        $"{push.Input} (p{push.Process}c{push.Client} op {push.Id}, pushed {push.Side} at {push.Version}, acknowledged at {push.CompleteTime})";

    /// <summary>The pushes of one feed that may have applied, by id where it is known, by the latest id they can have where not.</summary>
    private sealed class FeedPushes
    {
        private readonly long _clockAheadMs;
        private readonly ReplicatedVersion[] _knownIds;
        private readonly long[] _unknownLatestMs;
        private readonly Operation[] _unknown;

        public FeedPushes(IEnumerable<Operation> pushes, Dictionary<string, ReplicatedVersion> heldIds, long clockAheadMs)
        {
            _clockAheadMs = clockAheadMs;
            var known = new List<(ReplicatedVersion, Operation)>();
            var unknown = new List<(long, Operation)>();
            foreach (var push in pushes)
            {
                if (push.IsOk && push.Version is { } version)
                {
                    known.Add((version, push));
                }
                else if (heldIds.TryGetValue(push.Input!, out var held))
                {
                    known.Add((held, push));
                }
                else
                {
                    unknown.Add((LatestMs(push), push));
                }
            }

            Known = known.OrderBy(k => k.Item1).ToArray();
            _knownIds = Known.Select(k => k.Id).ToArray();
            var byLatest = unknown.OrderBy(u => u.Item1).ToArray();
            _unknownLatestMs = byLatest.Select(u => u.Item1).ToArray();
            _unknown = byLatest.Select(u => u.Item2).ToArray();
        }

        /// <summary>Pushes whose id is known (acknowledged, or held by a node at the end), by id.</summary>
        public (ReplicatedVersion Id, Operation Push)[] Known { get; }

        /// <summary>The latest time (Unix ms) an unknown id can carry: the push's completion on a clock up to the jump ahead, plus 1 s for the counter; none when it never completed.</summary>
        private long LatestMs(Operation push) => push.CompleteTime is { } done ? done / 1000 + _clockAheadMs + 1000 : long.MaxValue;

        /// <summary>The pushes that can have an id above <paramref name="id"/>: known ones above it, unknown ones whose latest possible id is not below it.</summary>
        private IEnumerable<Operation> Above(ReplicatedVersion id)
        {
            for (var i = UpperBound(id); i < Known.Length; i++)
            {
                yield return Known[i].Push;
            }

            for (var i = LowerBound(_unknownLatestMs, id.Timestamp.ToUnixTimeMilliseconds()); i < _unknown.Length; i++)
            {
                yield return _unknown[i];
            }
        }

        private int CountAbove(ReplicatedVersion id) =>
            Known.Length - UpperBound(id) + _unknown.Length - LowerBound(_unknownLatestMs, id.Timestamp.ToUnixTimeMilliseconds());

        /// <summary>
        /// Why the push of <paramref name="id"/> may be below a floor, or null: N pushes that may have applied can be above
        /// it (a cap), or a trim to c that may have applied can have read c of them (only pushes invoked before it completed).
        /// </summary>
        public string? WhyGone(Operation push, ReplicatedVersion id, int cap, List<Operation> trims)
        {
            if (CountAbove(id) >= cap)
            {
                return "capped";
            }

            var above = Above(id).ToList();
            foreach (var trim in trims)
            {
                var count = int.Parse(trim.Input!, System.Globalization.CultureInfo.InvariantCulture);
                var end = trim.CompleteTime ?? long.MaxValue;
                if (above.Count(p => p.InvokeTime < end) >= count)
                {
                    return $"trim to {count} (p{trim.Process}c{trim.Client} op {trim.Id})";
                }
            }

            return null;
        }

        /// <summary>The pushes that can be newer than <paramref name="id"/>, for a report (few: fewer than N).</summary>
        public string Describe(ReplicatedVersion id)
        {
            var above = Above(id).ToList();
            return above.Count == 0 ? "none" : string.Join(", ", above.Take(25).Select(p => $"{p.Input} ({p.Outcome})"));
        }

        /// <summary>
        /// The acknowledged pushes with an id above <paramref name="id"/> that completed before <paramref name="before"/>
        /// (Unix µs). Only ids up to that instant on a clock up to the jump ahead (plus 1 s) can qualify, so the scan stops there.
        /// </summary>
        public IEnumerable<Operation> AcknowledgedAbove(ReplicatedVersion id, long before)
        {
            var latestMs = before / 1000 + _clockAheadMs + 1000;
            for (var i = UpperBound(id); i < Known.Length && Known[i].Id.Timestamp.ToUnixTimeMilliseconds() <= latestMs; i++)
            {
                var push = Known[i].Push;
                if (push.IsOk && push.CompleteTime < before)
                {
                    yield return push;
                }
            }
        }

        /// <summary>The first index of a known id above <paramref name="id"/>.</summary>
        private int UpperBound(ReplicatedVersion id)
        {
            int lo = 0, hi = _knownIds.Length;
            while (lo < hi)
            {
                var mid = (lo + hi) >>> 1;
                if (_knownIds[mid] <= id)
                {
                    lo = mid + 1;
                }
                else
                {
                    hi = mid;
                }
            }

            return lo;
        }

        /// <summary>The first index whose value is at or above <paramref name="value"/>.</summary>
        private static int LowerBound(long[] sorted, long value)
        {
            int lo = 0, hi = sorted.Length;
            while (lo < hi)
            {
                var mid = (lo + hi) >>> 1;
                if (sorted[mid] < value)
                {
                    lo = mid + 1;
                }
                else
                {
                    hi = mid;
                }
            }

            return lo;
        }
    }
}
