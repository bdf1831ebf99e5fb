using System;
using System.Collections.Concurrent;
using System.Collections.Generic;

namespace AnarchoRedis;

/// <summary>
/// This client's list writes in flight, per key, and the post-write checks deferred while they overlap: during a burst
/// of writes on one key, replicas differ for a moment only because the writes land in another order on each node, and a
/// full merge per write would cost O(length) each; the burst's last write runs one check instead.
/// </summary>
internal sealed class ListWriteBursts
{
    /// <summary>Writes in flight, per key.</summary>
    private readonly ConcurrentDictionary<string, int> _writesInFlight = new(StringComparer.Ordinal);

    /// <summary>Keys whose post-write check saw replicas differ while other writes on them were in flight (key to type name).</summary>
    private readonly ConcurrentDictionary<string, string> _checksAfterBurst = new(StringComparer.Ordinal);

    /// <summary>A write on the key starts.</summary>
    public void Enter(string key) => _writesInFlight.AddOrUpdate(key, 1, static (_, count) => count + 1);

    /// <summary>Whether writes on the key other than the caller's own (<paramref name="self"/>) are in flight.</summary>
    public bool OthersInFlight(string key, int self = 1) => _writesInFlight.TryGetValue(key, out var count) && count > self;

    /// <summary>The key's replicas differed while its writes overlapped: the burst's last write checks again.</summary>
    public void Defer(string key, string typeName) => _checksAfterBurst[key] = typeName;

    /// <summary>
    /// A write on the key ends. Returns the type name when it was the last of a burst that deferred a check (the caller
    /// runs it: a meta read of every node, O(1), and a full merge only if they still differ), else null.
    /// </summary>
    public string? Exit(string key)
    {
        while (_writesInFlight.TryGetValue(key, out var count))
        {
            if (count > 1)
            {
                if (_writesInFlight.TryUpdate(key, count - 1, count))
                {
                    return null;
                }
            }
            else if (_writesInFlight.TryRemove(new KeyValuePair<string, int>(key, count)))
            {
                break;
            }
        }

        return _checksAfterBurst.TryRemove(key, out var typeName) ? typeName : null;
    }
}
