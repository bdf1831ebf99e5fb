using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using StackExchange.Redis;

namespace AnarchoRedis;

/// <summary>
/// A pass driven by slot digests: read every node's digest of every slot, and only for slots that differ (or have
/// maintenance due) read the slot indexes and compare the keys whose entries differ (or are due).
/// </summary>
internal sealed class DigestPass
{
    private static readonly RedisValue[] DigestFields = ["s", "m"];

    /// <summary>How many differing slots are visited together (their indexes read in one batch per node).</summary>
    private const int VisitGroup = 128;

    private readonly SlotKeys _slots;
    private readonly KeyRepairer _repairer;
    private readonly PassState _state;
    private readonly AntiEntropyOptions _options;
    private int _slotsCompared;
    private int _slotsDiffering;
    private int _slotsDue;
    private readonly List<int>? _differing;

    /// <summary>A pass; with <paramref name="compareOnly"/>, one that reads and compares the digests and visits nothing (<see cref="DifferingSlots"/>).</summary>
    public DigestPass(SlotKeys slots, KeyRepairer repairer, PassState state, AntiEntropyOptions options, bool compareOnly = false)
    {
        _slots = slots;
        _repairer = repairer;
        _state = state;
        _options = options;
        _differing = compareOnly ? [] : null;
    }

    /// <summary>The slots whose digests differed, in order (a compare-only pass), else empty.</summary>
    public IReadOnlyList<int> DifferingSlots => _differing is null ? [] : [.. _differing.Order()];

    public int SlotsCompared => _slotsCompared;

    public int SlotsDiffering => _slotsDiffering;

    public int SlotsDue => _slotsDue;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        // Digest reads and slot visits alternate batch by batch; progress counts slots.
        _state.Phase(_differing is null ? AntiEntropyPhase.Repairing : AntiEntropyPhase.Discovering, HashSlot.Count);
        var batch = Math.Clamp(_options.SlotBatchSize, 1, HashSlot.Count);
        // Batch b holds slots b, b + stride, b + 2 stride, ...: spread over the whole slot range, so that on a node that is
        // a Redis Cluster every batch reads from all its shards at once (contiguous slots would keep one shard busy per
        // batch while the others wait). On a standalone node the order makes no difference.
        var stride = (HashSlot.Count + batch - 1) / batch;
        for (var b = 0; b < stride; b++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var nodes = _state.Reachable();
            if (nodes.Length < 2)
            {
                // Nothing left to compare with; the unreachable nodes are in the report.
                return;
            }

            var batchSlots = SlotsOfBatch(b, stride);
            var count = batchSlots.Length;
            var digests = await Task.WhenAll(nodes.Select(node => ReadDigestsAsync(node, batchSlots))).ConfigureAwait(false);
            var nowMs = _state.NowMs;
            var visits = new List<int>();
            for (var offset = 0; offset < count; offset++)
            {
                long? sum = null;
                long? earliest = null;
                var differs = false;
                var due = false;
                var compared = 0;
                for (var n = 0; n < nodes.Length; n++)
                {
                    if (digests[n] is not { } d)
                    {
                        continue;
                    }

                    compared++;
                    var (s, m) = d[offset];
                    if (sum is null)
                    {
                        sum = s;
                        earliest = m;
                    }
                    else if (sum != s || earliest != m)
                    {
                        // Equal sums with different earliest due times: the entries differ in a due time only (which the
                        // sum does not cover), or a write lowered one node's `m`; the visit sets both right.
                        differs = true;
                    }

                    due |= m != 0 && m <= nowMs;
                }

                if (compared < 2)
                {
                    continue;
                }

                _slotsCompared++;
                if (differs)
                {
                    _slotsDiffering++;
                    _differing?.Add(batchSlots[offset]);
                }
                else if (due)
                {
                    _slotsDue++;
                }

                if ((differs || due) && _differing is null)
                {
                    visits.Add(batchSlots[offset]);
                }
            }

            // In groups, so that the indexes held at once and the replies waited for in one pipeline stay bounded.
            for (var group = 0; group < visits.Count; group += VisitGroup)
            {
                await VisitSlotsAsync(visits.GetRange(group, Math.Min(VisitGroup, visits.Count - group)), cancellationToken).ConfigureAwait(false);
            }

            _state.Advance(count);
        }

    }

    private static int[] SlotsOfBatch(int batch, int stride)
    {
        var slots = new int[((HashSlot.Count - 1 - batch) / stride) + 1];
        for (var i = 0; i < slots.Length; i++)
        {
            slots[i] = batch + (i * stride);
        }

        return slots;
    }

    private async Task<(long Sum, long Due)[]?> ReadDigestsAsync(ReplicaNode node, IReadOnlyList<int> slots)
    {
        var count = slots.Count;
        // One pipelined batch: a command each, written together, instead of a write (and a lock) per command.
        var batch = node.Database.CreateBatch();
        var reads = new Task<RedisValue[]>[count];
        for (var i = 0; i < count; i++)
        {
            reads[i] = batch.HashGetAsync(_slots.DigestKey(slots[i]), DigestFields);
        }

        NodeBatch.Send(batch);

        try
        {
            await Task.WhenAll(reads).ConfigureAwait(false);
        }
        catch (Exception ex) when (Array.Exists(reads, r => r.IsFaulted && RepairScope.IsUnreachable(r.Exception!.GetBaseException())) || ex is OperationCanceledException)
        {
            // Every slot of this node is unknown: it is left out of the pass.
            _state.MarkUnreachable(node, ex);
            return null;
        }
        catch (Exception)
        {
            // Some digest keys answered with an error (a wrong type, written outside the library): below.
        }

        var result = new (long, long)[count];
        for (var i = 0; i < count; i++)
        {
            if (reads[i].IsCompletedSuccessfully)
            {
                var fields = reads[i].Result;
                result[i] = (Number(fields[0]), Number(fields[1]));
            }
            else
            {
                // Unreadable: the slot differs from every node, so its keys get compared.
                result[i] = (long.MinValue, 0);
                _state.NodeFailed(node, null, reads[i].Exception!.GetBaseException());
            }
        }

        return result;
    }

    private static long Number(RedisValue value) => value.IsNull ? 0 : value.TryParse(out long n) ? n : long.MinValue;

    /// <summary>
    /// Visits the slots of one batch in stages, each stage one pipelined batch per node: read the visited slots' indexes,
    /// compare and repair every key whose entries differ or are due (<see cref="KeyRepairer.RepairManyAsync"/>), read
    /// the visited slots' digests again, and settle the slots whose digests still differ or are due. A slot whose index
    /// a node could not give is compared over the others.
    /// </summary>
    private async Task VisitSlotsAsync(List<int> slots, CancellationToken cancellationToken)
    {
        var nodes = _state.Reachable();
        var indexes = await Task.WhenAll(nodes.Select(node => ReadIndexesAsync(node, slots))).ConfigureAwait(false);
        var nowMs = _state.NowMs;
        var items = new List<RepairItem>();
        var visited = new List<(int Slot, ReplicaNode[] Nodes)>(slots.Count);
        var keys = new HashSet<string>(StringComparer.Ordinal);
        for (var v = 0; v < slots.Count; v++)
        {
            var visitNodes = nodes;
            var visitIndexes = new Dictionary<string, IndexEntry>?[nodes.Length];
            for (var n = 0; n < nodes.Length; n++)
            {
                visitIndexes[n] = indexes[n]?[v];
            }

            if (Array.IndexOf(visitIndexes, null) >= 0)
            {
                visitNodes = nodes.Where((_, n) => visitIndexes[n] is not null).ToArray();
                visitIndexes = visitIndexes.Where(i => i is not null).ToArray();
                if (visitNodes.Length < 2)
                {
                    continue;
                }
            }

            keys.Clear();
            foreach (var index in visitIndexes)
            {
                keys.UnionWith(index!.Keys);
            }

            foreach (var key in keys)
            {
                var entries = new IndexEntry?[visitNodes.Length];
                var differs = false;
                var keyDue = false;
                for (var n = 0; n < visitNodes.Length; n++)
                {
                    if (visitIndexes[n]!.TryGetValue(key, out var entry))
                    {
                        entries[n] = entry;
                        keyDue |= entry.IsDue(nowMs);
                    }

                    differs |= n > 0 && entries[n] != entries[0];
                }

                if (differs || keyDue)
                {
                    items.Add(new RepairItem(key, visitNodes, entries, _state));
                }
            }

            visited.Add((slots[v], visitNodes));
        }

        for (var start = 0; start < items.Count; start += KeyRepairer.ProbeChunk)
        {
            var count = Math.Min(KeyRepairer.ProbeChunk, items.Count - start);
            for (var i = 0; i < count; i++)
            {
                await _state.ThrottleAsync(cancellationToken).ConfigureAwait(false);
                _state.Compared();
            }

            await _repairer.RepairManyAsync(items.GetRange(start, count), Math.Max(1, _options.Concurrency), cancellationToken).ConfigureAwait(false);
        }

        // Settled where the digests still differ or are due: the slot's earliest due time only goes down between visits,
        // so after a repair the nodes' `m` may differ although their entries agree (and a sum that drifted from its
        // index, which a repair's write moves again, is recomputed). Where they agree and nothing is due, the script
        // would change nothing: one digest read per node instead of an index walk per node.
        // Over the nodes still reachable: one lost during the repairs would only make each read wait for its timeout.
        nodes = nodes.Where(_state.IsReachable).ToArray();
        var after = await Task.WhenAll(nodes.Select(node => ReadDigestsAsync(node, visited.ConvertAll(v => v.Slot)))).ConfigureAwait(false);
        nowMs = _state.NowMs;
        var settle = new List<(int Slot, ReplicaNode[] Nodes)>();
        for (var v = 0; v < visited.Count; v++)
        {
            (long Sum, long Due)? first = null;
            var needed = false;
            for (var n = 0; n < nodes.Length && !needed; n++)
            {
                if (Array.IndexOf(visited[v].Nodes, nodes[n]) < 0)
                {
                    continue;
                }

                if (after[n] is not { } d || d[v].Sum == long.MinValue)
                {
                    needed = true;
                    break;
                }

                needed = (d[v].Due != 0 && d[v].Due <= nowMs) || (first is { } f && f != d[v]);
                first ??= d[v];
            }

            if (needed)
            {
                settle.Add(visited[v]);
            }
        }

        if (settle.Count > 0)
        {
            await Task.WhenAll(nodes.Select(node => SettleAsync(node, settle))).ConfigureAwait(false);
        }
    }

    /// <summary>Reads the indexes of <paramref name="slots"/> on a node in one batch; null for an index it could not give.</summary>
    private async Task<Dictionary<string, IndexEntry>?[]> ReadIndexesAsync(ReplicaNode node, List<int> slots)
    {
        var batch = node.Database.CreateBatch();
        var reads = new Task<HashEntry[]>[slots.Count];
        for (var v = 0; v < slots.Count; v++)
        {
            reads[v] = batch.HashGetAllAsync(_slots.IndexKey(slots[v]));
        }

        NodeBatch.Send(batch);
        var indexes = new Dictionary<string, IndexEntry>?[slots.Count];
        for (var v = 0; v < slots.Count; v++)
        {
            try
            {
                indexes[v] = ToIndex(await reads[v].ConfigureAwait(false));
            }
            catch (Exception ex)
            {
                _state.NodeFailed(node, null, ex);
            }
        }

        return indexes;
    }

    private static Dictionary<string, IndexEntry> ToIndex(HashEntry[] fields)
    {
        var index = new Dictionary<string, IndexEntry>(fields.Length, StringComparer.Ordinal);
        foreach (var field in fields)
        {
            // A malformed entry compares unequal to every good one, so the key gets compared and rewritten.
            index[(string)field.Name!] = SlotEntry.TryParse(field.Value, out var hash, out var due) ? new IndexEntry(hash, due) : new IndexEntry(-1, 0);
        }

        return index;
    }

    /// <summary>Settles the digests of the visited slots the node took part in, in one batch (a script call each).</summary>
    private async Task SettleAsync(ReplicaNode node, List<(int Slot, ReplicaNode[] Nodes)> visits)
    {
        var batch = node.Database.CreateBatch();
        var calls = new List<(int Slot, RedisKey[] Keys, Task<RedisResult> Call)>(visits.Count);
        foreach (var (slot, nodes) in visits)
        {
            if (Array.IndexOf(nodes, node) < 0)
            {
                continue;
            }

            RedisKey[] keys = [_slots.IndexKey(slot), _slots.DigestKey(slot)];
            calls.Add((slot, keys, batch.ScriptEvaluateAsync(LuaScript.SlotSettle.Sha1, keys)));
        }

        NodeBatch.Send(batch);
        foreach (var (slot, keys, call) in calls)
        {
            try
            {
                RedisResult reply;
                try
                {
                    reply = await call.ConfigureAwait(false);
                }
                catch (RedisServerException ex) when (ReplicaNode.IsNoScript(ex))
                {
                    // The node lost its scripts (a restart, SCRIPT FLUSH): loaded again, then this slot is settled alone.
                    reply = await node.EvaluateOrReloadAsync(LuaScript.SlotSettle, keys, []).ConfigureAwait(false);
                }

                var result = (RedisResult[])reply!;
                if ((long)result[0] == 1)
                {
                    _state.Problem(new AntiEntropyProblem(AntiEntropyProblemKind.DigestDrift, null, node.Name, $"slot {slot}'s digest was {(long)result[1]}, its index sums to {(long)result[2]}; recomputed"));
                }
            }
            catch (Exception ex)
            {
                _state.NodeFailed(node, null, ex);
            }
        }
    }
}
