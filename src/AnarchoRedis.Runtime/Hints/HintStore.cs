using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;

namespace AnarchoRedis;

/// <summary>One pending hint: a key a node missed, with its registered type name.</summary>
/// <param name="Key">The logical key.</param>
/// <param name="TypeName">The registry name of the key's type.</param>
/// <param name="Sequence">
/// Unique per recording: a hint recorded again for the same key while a replay of it runs gets a new sequence, so
/// the replay's removal (of the entry it read) leaves the newer one in place.
/// </param>
internal sealed record Hint(string Key, string TypeName, long Sequence);

/// <summary>What recording a hint did.</summary>
internal enum HintAddResult
{
    /// <summary>A new key for the node.</summary>
    Added,

    /// <summary>The key was already pending for the node: its entry was renewed, nothing grew.</summary>
    Refreshed,

    /// <summary>The node already had the most hints allowed: this one is dropped (anti-entropy heals it).</summary>
    Dropped,
}

/// <summary>
/// The in-memory hints: per node, a set of keys (each with its type name), deduplicated and bounded. Thread-safe;
/// the write path pays only when a node missed a write.
/// </summary>
internal sealed class HintStore
{
    private readonly ConcurrentDictionary<string, Hint>[] _byNode;
    private readonly int[] _counts;
    private readonly long[] _dropped;
    private readonly int _maxPerNode;
    private long _sequence;

    public HintStore(int nodeCount, int maxPerNode)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(nodeCount, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPerNode, 1);
        _byNode = new ConcurrentDictionary<string, Hint>[nodeCount];
        for (var i = 0; i < nodeCount; i++)
        {
            _byNode[i] = new ConcurrentDictionary<string, Hint>(StringComparer.Ordinal);
        }

        _counts = new int[nodeCount];
        _dropped = new long[nodeCount];
        _maxPerNode = maxPerNode;
    }

    public int NodeCount => _byNode.Length;

    /// <summary>Records that <paramref name="node"/> missed a write of <paramref name="key"/>.</summary>
    public HintAddResult Add(int node, string key, string typeName)
    {
        var set = _byNode[node];
        var hint = new Hint(key, typeName, Interlocked.Increment(ref _sequence));
        while (true)
        {
            if (set.TryGetValue(key, out var existing))
            {
                if (set.TryUpdate(key, hint, existing))
                {
                    return HintAddResult.Refreshed;
                }

                continue;
            }

            // Reserve a place first, so concurrent adds never push the set past the bound.
            if (Interlocked.Increment(ref _counts[node]) > _maxPerNode)
            {
                Interlocked.Decrement(ref _counts[node]);
                Interlocked.Increment(ref _dropped[node]);
                return HintAddResult.Dropped;
            }

            if (set.TryAdd(key, hint))
            {
                return HintAddResult.Added;
            }

            // Another thread added the key meanwhile: give the place back and renew its entry.
            Interlocked.Decrement(ref _counts[node]);
        }
    }

    /// <summary>How many keys are pending for a node.</summary>
    public int Pending(int node) => Volatile.Read(ref _counts[node]);

    /// <summary>How many hints for a node were dropped because it had the most allowed.</summary>
    public long Dropped(int node) => Interlocked.Read(ref _dropped[node]);

    /// <summary>Up to <paramref name="max"/> pending hints of a node, left in place (a replay removes those it repaired).</summary>
    public IReadOnlyList<Hint> Take(int node, int max)
    {
        var batch = new List<Hint>(Math.Min(max, Math.Max(Pending(node), 0)));
        foreach (var entry in _byNode[node])
        {
            if (batch.Count >= max)
            {
                break;
            }

            batch.Add(entry.Value);
        }

        return batch;
    }

    /// <summary>Removes a hint a replay repaired, unless it was recorded again since (then the newer one stays).</summary>
    /// <returns>Whether it was removed.</returns>
    public bool Remove(int node, Hint hint)
    {
        if (_byNode[node].TryRemove(new KeyValuePair<string, Hint>(hint.Key, hint)))
        {
            Interlocked.Decrement(ref _counts[node]);
            return true;
        }

        return false;
    }
}
