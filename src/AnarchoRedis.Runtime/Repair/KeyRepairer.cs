using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using StackExchange.Redis;

namespace AnarchoRedis;

/// <summary>
/// A key kind's repair (Values/ValueRepair, Lists/ListRepair): given the nodes' copies' meta, it reads what it
/// needs, writes the newest state (values) or the merge (lists) to every node that differs with exactly the
/// bookkeeping the write path writes, and purges what every node agrees is old enough, reporting to the scope.
/// </summary>
internal interface IKeyKindRepair
{
    /// <param name="key">The key.</param>
    /// <param name="typeName">Its registered type's name.</param>
    /// <param name="nodes">The nodes compared (those whose meta could be read).</param>
    /// <param name="metas">Each node's meta fields <see cref="KeyRepairer.MetaFields"/> (null where the node holds no meta).</param>
    /// <param name="entries">Each node's slot index entry (a digest pass), or null.</param>
    /// <param name="complete">Whether every node of the scope is compared and took part so far: purges need it.</param>
    /// <param name="scope">Where repairs, purges and problems are reported.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <param name="verifyData">Read every node's copy, not only the newest (a node's meta may name data it lost).</param>
    Task RepairAsync(string key, string typeName, ReplicaNode[] nodes, RedisValue[]?[] metas, IndexEntry?[]? entries, bool complete, RepairScope scope, CancellationToken cancellationToken, bool verifyData = false);
}

/// <summary>A key to compare: the nodes it is compared on, their slot index entries (a digest pass) or null, and the scope its outcome goes to.</summary>
internal readonly record struct RepairItem(string Key, ReplicaNode[] Nodes, IndexEntry?[]? Entries, RepairScope Scope);

/// <summary>
/// The repair of one key across nodes, for anti-entropy passes and hint replays alike: the meta's kind and registry
/// name choose the value or list repair (<see cref="IKeyKindRepair"/>); keys of unknown types are counted and never
/// touched, keys nobody holds any more lose their stale slot index entries.
/// </summary>
internal sealed class KeyRepairer
{
    /// <summary>Kind and name choose the repair; a value's version, tombstone flag, deletion and expiry times let it skip full reads.</summary>
    public static readonly RedisValue[] MetaFields = ["k", "n", "v", "t", "d", "x"];

    private readonly KeySpace _keys;
    private readonly SlotKeys? _slots;
    private readonly IKeyKindRepair _values;
    private readonly IKeyKindRepair _lists;

    public KeyRepairer(KeySpace keys, SlotKeys? slots, ReplicatedTypeRegistry registry, IKeyKindRepair values, IKeyKindRepair lists)
    {
        _keys = keys;
        _slots = slots;
        Registry = registry;
        _values = values;
        _lists = lists;
    }

    /// <summary>The types this repairer knows.</summary>
    public ReplicatedTypeRegistry Registry { get; }

    /// <summary>
    /// Compares and repairs one key. <paramref name="entries"/> are the nodes' index entries (digest pass) or null. Whatever
    /// one key does, the caller goes on: a failure is a problem of the scope, and the key is compared again next time.
    /// </summary>
    public Task RepairAsync(string key, ReplicaNode[] nodes, IndexEntry?[]? entries, RepairScope scope, CancellationToken cancellationToken, bool verifyData = false) =>
        RepairManyAsync([new RepairItem(key, nodes, entries, scope)], 1, cancellationToken, verifyData);

    /// <summary>
    /// Compares and repairs many keys: their metas are read in bulk (one pipelined batch per node for every
    /// <see cref="ProbeChunk"/> keys, instead of one command and one wait per key and node), then each key's repair
    /// runs, up to <paramref name="concurrency"/> at once, so that the value reads and writes of many keys coalesce
    /// per node. Each key reports to its own item's scope; a failure of one key does not stop the others.
    /// </summary>
    public async Task RepairManyAsync(IReadOnlyList<RepairItem> items, int concurrency, CancellationToken cancellationToken, bool verifyData = false)
    {
        for (var start = 0; start < items.Count; start += ProbeChunk)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var count = Math.Min(ProbeChunk, items.Count - start);
            var probes = await ProbeAsync(items, start, count).ConfigureAwait(false);
            if (count == 1 || concurrency <= 1)
            {
                for (var i = 0; i < count; i++)
                {
                    await RepairProbedAsync(items[start + i], probes[i], cancellationToken, verifyData).ConfigureAwait(false);
                }

                continue;
            }

            await Parallel.ForEachAsync(
                Enumerable.Range(0, count),
                new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = cancellationToken },
                (i, token) => new ValueTask(RepairProbedAsync(items[start + i], probes[i], token, verifyData))).ConfigureAwait(false);
        }
    }

    /// <summary>How many keys' metas are read in one batch per node.</summary>
    internal const int ProbeChunk = 256;

    /// <summary>
    /// Reads the metas of items <paramref name="start"/> .. + <paramref name="count"/>: one batch per node (an item's
    /// own nodes only). Each item gets its nodes' answers in order, or null when its key cannot be a library key.
    /// </summary>
    private async Task<Probe[]?[]> ProbeAsync(IReadOnlyList<RepairItem> items, int start, int count)
    {
        var probes = new Probe[]?[count];
        var metaKeys = new string?[count];
        var batches = new Dictionary<ReplicaNode, (IBatch Batch, List<(int Item, int Position, Task<RedisValue[]> Read)> Reads)>();
        for (var i = 0; i < count; i++)
        {
            var item = items[start + i];
            try
            {
                metaKeys[i] = _keys.MetaKey(item.Key);
            }
            catch (InvalidKeyException ex)
            {
                item.Scope.Problem(new AntiEntropyProblem(AntiEntropyProblemKind.CorruptMeta, item.Key, null, "a slot index names a key the library cannot have written: " + ex.Message, ex));
                continue;
            }

            probes[i] = new Probe[item.Nodes.Length];
            for (var p = 0; p < item.Nodes.Length; p++)
            {
                var node = item.Nodes[p];
                if (!batches.TryGetValue(node, out var batch))
                {
                    batch = (node.Database.CreateBatch(), []);
                    batches[node] = batch;
                }

                batch.Reads.Add((i, p, batch.Batch.HashGetAsync(metaKeys[i], MetaFields)));
            }
        }

        foreach (var (_, batch) in batches)
        {
            NodeBatch.Send(batch.Batch);
        }

        foreach (var (node, batch) in batches)
        {
            foreach (var (i, position, read) in batch.Reads)
            {
                try
                {
                    probes[i]![position] = new Probe(true, await read.ConfigureAwait(false));
                }
                catch (Exception ex)
                {
                    items[start + i].Scope.NodeFailed(node, items[start + i].Key, ex);
                    probes[i]![position] = new Probe(false, null);
                }
            }
        }

        return probes;
    }

    private async Task RepairProbedAsync(RepairItem item, Probe[]? probes, CancellationToken cancellationToken, bool verifyData)
    {
        if (probes is null)
        {
            return;
        }

        try
        {
            await RepairCoreAsync(item, probes, cancellationToken, verifyData).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            item.Scope.Problem(new AntiEntropyProblem(AntiEntropyProblemKind.Failed, item.Key, null, "comparing the key failed: " + ex.Message, ex));
        }
    }

    private async Task RepairCoreAsync(RepairItem item, Probe[] probes, CancellationToken cancellationToken, bool verifyData)
    {
        var (key, nodes, entries, scope) = item;

        // Which type each node says the key belongs to.
        string? kind = null;
        string? name = null;
        var anyMeta = false;
        var anyFailed = false;
        for (var i = 0; i < nodes.Length; i++)
        {
            var (ok, fields) = probes[i];
            var (k, n) = ok ? ((string?)fields![0], (string?)fields[1]) : (null, null);
            if (!ok)
            {
                anyFailed = true;
                continue;
            }

            if (k is null && n is null)
            {
                continue;
            }

            if (k is not ("v" or "l") || string.IsNullOrEmpty(n))
            {
                scope.Problem(new AntiEntropyProblem(AntiEntropyProblemKind.CorruptMeta, key, nodes[i].Name, $"the meta holds kind '{k}' and type name '{n}'; that node's copy is left as it is"));
                anyFailed = true;
                continue;
            }

            if (anyMeta && (k != kind || n != name))
            {
                scope.Problem(new AntiEntropyProblem(AntiEntropyProblemKind.KindConflict, key, nodes[i].Name, $"the key is '{kind}' of '{name}' on one node and '{k}' of '{n}' on {nodes[i].Name}; it is left as it is"));
                return;
            }

            anyMeta = true;
            kind = k;
            name = n;
        }

        if (!anyMeta)
        {
            // Nobody holds the key any more (its meta expired): the entries are stale. Only when every node answered.
            if (!anyFailed && entries is not null)
            {
                await DropEntriesAsync(key, _keys.MetaKey(key), nodes, entries, scope).ConfigureAwait(false);
            }

            return;
        }

        if (!Registry.Repairs(name!))
        {
            scope.UnknownKey(key, string.Join(", ", nodes.Where((_, i) => probes[i].Ok && (string?)probes[i].Fields![1] == name).Select(n => n.Name)), name!);
            return;
        }

        // An untyped registry (an operator tool) takes the kind the metas agree on.
        var expected = kind == "v" ? ReplicatedKind.Value : ReplicatedKind.List;
        if (Registry.TryGet(name!, out var descriptor) && descriptor.Kind != expected)
        {
            scope.Problem(new AntiEntropyProblem(AntiEntropyProblemKind.KindConflict, key, null, $"the meta says '{kind}' but the registry's '{name}' is a {descriptor.Kind}; the key is left as it is"));
            return;
        }

        // Nodes whose meta could not be read are left out of this key's repair (and block its purges).
        var usable = anyFailed ? nodes.Where((_, i) => probes[i].Ok).ToArray() : nodes;
        var usableEntries = entries is null || !anyFailed ? entries : entries.Where((_, i) => probes[i].Ok).ToArray();
        var complete = !anyFailed && nodes.Length == scope.NodeCount && scope.AllTookPart;
        var metas = anyFailed ? probes.Where(p => p.Ok).Select(p => p.Fields).ToArray() : Array.ConvertAll(probes, p => p.Fields);
        var repair = expected == ReplicatedKind.Value ? _values : _lists;
        await repair.RepairAsync(key, name!, usable, metas, usableEntries, complete, scope, cancellationToken, verifyData).ConfigureAwait(false);
    }

    /// <summary>One node's answer to a meta read: its fields <see cref="MetaFields"/>, or not ok (the failure is in the scope).</summary>
    private readonly record struct Probe(bool Ok, RedisValue[]? Fields);

    private async Task DropEntriesAsync(string key, string metaKey, ReplicaNode[] nodes, IndexEntry?[] entries, RepairScope scope)
    {
        if (_slots is null)
        {
            return;
        }

        var (index, digest) = _slots.Of(key);
        var dropped = 0;
        for (var i = 0; i < nodes.Length; i++)
        {
            if (entries[i] is null)
            {
                continue;
            }

            try
            {
                var result = (RedisResult[])(await nodes[i].EvaluateRetryingAsync(
                    LuaScript.IndexDrop,
                    [metaKey, index, digest],
                    [key]).ConfigureAwait(false))!;
                if ((long)result[0] == 0 && (long)result[1] == 1)
                {
                    dropped++;
                }
            }
            catch (Exception ex)
            {
                scope.NodeFailed(nodes[i], key, ex);
            }
        }

        scope.IndexEntryDropped(dropped);
    }
}
