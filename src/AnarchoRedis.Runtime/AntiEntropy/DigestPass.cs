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

    private readonly SlotKeys _slots;
    private readonly KeyRepairer _repairer;
    private readonly PassState _state;
    private readonly AntiEntropyOptions _options;
    private int _slotsCompared;
    private int _slotsDiffering;
    private int _slotsDue;

    public DigestPass(SlotKeys slots, KeyRepairer repairer, PassState state, AntiEntropyOptions options)
    {
        _slots = slots;
        _repairer = repairer;
        _state = state;
        _options = options;
    }

    public int SlotsCompared => _slotsCompared;

    public int SlotsDiffering => _slotsDiffering;

    public int SlotsDue => _slotsDue;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        // Digest reads and slot visits alternate batch by batch; progress counts slots.
        _state.Phase(AntiEntropyPhase.Repairing, HashSlot.Count);
        var batch = Math.Clamp(_options.SlotBatchSize, 1, HashSlot.Count);
        for (var start = 0; start < HashSlot.Count; start += batch)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var count = Math.Min(batch, HashSlot.Count - start);
            var nodes = _state.Reachable();
            if (nodes.Length < 2)
            {
                // Nothing left to compare with; the unreachable nodes are in the report.
                return;
            }

            var digests = await Task.WhenAll(nodes.Select(node => ReadDigestsAsync(node, start, count))).ConfigureAwait(false);
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
                }
                else if (due)
                {
                    _slotsDue++;
                }

                if (differs || due)
                {
                    visits.Add(start + offset);
                }
            }

            if (visits.Count > 0)
            {
                await Parallel.ForEachAsync(
                    visits,
                    new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, _options.Concurrency), CancellationToken = cancellationToken },
                    (slot, ct) => new ValueTask(VisitSlotAsync(slot, ct))).ConfigureAwait(false);
            }

            _state.Advance(count);
        }

    }

    private async Task<(long Sum, long Due)[]?> ReadDigestsAsync(ReplicaNode node, int start, int count)
    {
        var db = node.Database;
        var reads = new Task<RedisValue[]>[count];
        for (var i = 0; i < count; i++)
        {
            reads[i] = db.HashGetAsync(_slots.DigestKey(start + i), DigestFields);
        }

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

    private async Task VisitSlotAsync(int slot, CancellationToken cancellationToken)
    {
        var nodes = _state.Reachable();
        var indexes = await Task.WhenAll(nodes.Select(node => ReadIndexAsync(node, slot))).ConfigureAwait(false);
        if (indexes.Contains(null))
        {
            nodes = nodes.Where((_, i) => indexes[i] is not null).ToArray();
            indexes = indexes.Where(i => i is not null).ToArray();
            if (nodes.Length < 2)
            {
                return;
            }
        }

        var nowMs = _state.NowMs;
        var keys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var index in indexes)
        {
            keys.UnionWith(index!.Keys);
        }

        foreach (var key in keys)
        {
            var entries = new IndexEntry?[nodes.Length];
            var differs = false;
            var keyDue = false;
            for (var n = 0; n < nodes.Length; n++)
            {
                if (indexes[n]!.TryGetValue(key, out var entry))
                {
                    entries[n] = entry;
                    keyDue |= entry.IsDue(nowMs);
                }

                differs |= n > 0 && entries[n] != entries[0];
            }

            if (differs || keyDue)
            {
                await _state.ThrottleAsync(cancellationToken).ConfigureAwait(false);
                _state.Compared();
                await _repairer.RepairAsync(key, nodes, entries, _state, cancellationToken).ConfigureAwait(false);
            }
        }

        // Settled after every visit, not only a due one: the slot's earliest due time only goes down between visits, so
        // after a repair the nodes' `m` would differ although their entries agree.
        await SettleAsync(nodes, slot).ConfigureAwait(false);
    }

    private async Task<Dictionary<string, IndexEntry>?> ReadIndexAsync(ReplicaNode node, int slot)
    {
        try
        {
            var fields = await node.Database.HashGetAllAsync(_slots.IndexKey(slot)).ConfigureAwait(false);
            var index = new Dictionary<string, IndexEntry>(fields.Length, StringComparer.Ordinal);
            foreach (var field in fields)
            {
                if (SlotEntry.TryParse(field.Value, out var hash, out var due))
                {
                    index[(string)field.Name!] = new IndexEntry(hash, due);
                }
                else
                {
                    // A malformed entry compares unequal to every good one, so the key gets compared and rewritten.
                    index[(string)field.Name!] = new IndexEntry(-1, 0);
                }
            }

            return index;
        }
        catch (Exception ex)
        {
            _state.NodeFailed(node, null, ex);
            return null;
        }
    }

    private async Task SettleAsync(ReplicaNode[] nodes, int slot)
    {
        RedisKey[] keys = [_slots.IndexKey(slot), _slots.DigestKey(slot)];
        foreach (var node in nodes)
        {
            try
            {
                var result = (RedisResult[])(await node.EvaluateOrReloadAsync(LuaScript.SlotSettle, keys, []).ConfigureAwait(false))!;
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
