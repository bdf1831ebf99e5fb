using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using StackExchange.Redis;

namespace AnarchoRedis;

/// <summary>
/// Compares one key across the reachable nodes and repairs it through the registry: the meta's kind and registry
/// name choose the value or list repair; unknown names are reported and never touched.
/// </summary>
internal sealed class KeyComparer
{
    // Kind and name choose the repair; a value's version, tombstone flag, deletion and expiry times let it skip full reads.
    private static readonly RedisValue[] MetaFields = ["k", "n", "v", "t", "d", "x"];

    private readonly AnarchoRedisClient _client;
    private readonly ReplicatedTypeRegistry _registry;
    private readonly PassState _state;

    public KeyComparer(AnarchoRedisClient client, ReplicatedTypeRegistry registry, PassState state)
    {
        _client = client;
        _registry = registry;
        _state = state;
    }

    /// <summary>Whether an exception means the node cannot be reached (rather than that it answered with an error).</summary>
    public static bool IsUnreachable(Exception error) =>
        error is RedisConnectionException or RedisTimeoutException or TimeoutException or ObjectDisposedException;

    /// <summary>Records a failed command: an unreachable node is dropped from the pass, anything else is a problem of the key.</summary>
    public static void Failed(PassState state, ReplicaNode node, string? key, Exception error)
    {
        if (IsUnreachable(error))
        {
            state.MarkUnreachable(node, error);
        }
        else
        {
            state.MarkIncomplete(node);
            var kind = error is RedisServerException server && server.Message.StartsWith("WRONGTYPE", StringComparison.Ordinal)
                ? AntiEntropyProblemKind.CorruptMeta
                : AntiEntropyProblemKind.Failed;
            state.Problem(new AntiEntropyProblem(kind, key, node.Name, error.Message, error));
        }
    }

    /// <summary>Reports a node whose copy of a key the read script could not use (corrupt, of another type, foreign).</summary>
    public static void Unreadable(PassState state, ReplicaNode node, string key, Exception? error)
    {
        state.MarkIncomplete(node);
        var kind = error is CorruptMetadataException or WrongRedisTypeException or ForeignListDataException ? AntiEntropyProblemKind.CorruptMeta
            : error is KeyTypeMismatchException ? AntiEntropyProblemKind.KindConflict
            : AntiEntropyProblemKind.Failed;
        state.Problem(new AntiEntropyProblem(kind, key, node.Name, error?.Message ?? "the node's copy cannot be read", error));
    }

    /// <summary>
    /// Compares and repairs one key. <paramref name="entries"/> are the nodes' index entries (digest pass) or null
    /// (SCAN pass); <paramref name="counted"/> says the caller already throttled and counted the key.
    /// </summary>
    public async Task CompareAsync(string key, ReplicaNode[] nodes, IndexEntry?[]? entries, CancellationToken cancellationToken, bool counted = false)
    {
        if (!counted)
        {
            await _state.ThrottleAsync(cancellationToken).ConfigureAwait(false);
            _state.Compared();
        }

        try
        {
            await CompareCoreAsync(key, nodes, entries, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Whatever one key does, the pass goes on: the key is reported and compared again by the next pass.
            _state.Problem(new AntiEntropyProblem(AntiEntropyProblemKind.Failed, key, null, "comparing the key failed: " + ex.Message, ex));
        }
    }

    private async Task CompareCoreAsync(string key, ReplicaNode[] nodes, IndexEntry?[]? entries, CancellationToken cancellationToken)
    {
        string metaKey;
        try
        {
            metaKey = _client.Keys.MetaKey(key);
        }
        catch (InvalidKeyException ex)
        {
            _state.Problem(new AntiEntropyProblem(AntiEntropyProblemKind.CorruptMeta, key, null, "a slot index names a key the library cannot have written: " + ex.Message, ex));
            return;
        }

        // Which type each node says the key belongs to.
        var probes = await Task.WhenAll(nodes.Select(node => ProbeAsync(node, key, metaKey))).ConfigureAwait(false);
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
                _state.Problem(new AntiEntropyProblem(AntiEntropyProblemKind.CorruptMeta, key, nodes[i].Name, $"the meta holds kind '{k}' and type name '{n}'; that node's copy is left as it is"));
                anyFailed = true;
                continue;
            }

            if (anyMeta && (k != kind || n != name))
            {
                _state.Problem(new AntiEntropyProblem(AntiEntropyProblemKind.KindConflict, key, nodes[i].Name, $"the key is '{kind}' of '{name}' on one node and '{k}' of '{n}' on {nodes[i].Name}; it is left as it is"));
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
                await DropEntriesAsync(key, metaKey, nodes, entries).ConfigureAwait(false);
            }

            return;
        }

        if (!_registry.TryGet(name!, out var descriptor))
        {
            _state.UnknownKey(key, string.Join(", ", nodes.Where((_, i) => probes[i].Ok && (string?)probes[i].Fields![1] == name).Select(n => n.Name)), name!);
            return;
        }

        var expected = kind == "v" ? ReplicatedKind.Value : ReplicatedKind.List;
        if (descriptor.Kind != expected)
        {
            _state.Problem(new AntiEntropyProblem(AntiEntropyProblemKind.KindConflict, key, null, $"the meta says '{kind}' but the registry's '{name}' is a {descriptor.Kind}; the key is left as it is"));
            return;
        }

        // Nodes whose meta could not be read are left out of this key's repair (and block its purges).
        var usable = anyFailed ? nodes.Where((_, i) => probes[i].Ok).ToArray() : nodes;
        var usableEntries = entries is null || !anyFailed ? entries : entries.Where((_, i) => probes[i].Ok).ToArray();
        var complete = !anyFailed && nodes.Length == _state.NodeCount && _state.AllTookPart;
        if (expected == ReplicatedKind.Value)
        {
            var metas = anyFailed ? probes.Where(p => p.Ok).Select(p => p.Fields).ToArray() : probes.Select(p => p.Fields).ToArray();
            await _client.ValueReplicator.AntiEntropyAsync(key, name!, usable, metas, usableEntries, complete, _state, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await _client.ListReplicator.AntiEntropyAsync(key, name!, usable, usableEntries, complete, _state, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<(bool Ok, RedisValue[]? Fields)> ProbeAsync(ReplicaNode node, string key, string metaKey)
    {
        try
        {
            return (true, await node.Database.HashGetAsync(metaKey, MetaFields).ConfigureAwait(false));
        }
        catch (Exception ex)
        {
            Failed(_state, node, key, ex);
            return (false, null);
        }
    }

    private async Task DropEntriesAsync(string key, string metaKey, ReplicaNode[] nodes, IndexEntry?[] entries)
    {
        var (index, digest) = _client.SlotKeys.Of(key);
        var dropped = 0;
        for (var i = 0; i < nodes.Length; i++)
        {
            if (entries[i] is null)
            {
                continue;
            }

            try
            {
                var result = (RedisResult[])(await nodes[i].EvaluateOrReloadAsync(
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
                Failed(_state, nodes[i], key, ex);
            }
        }

        _state.IndexEntryDropped(dropped);
    }
}
