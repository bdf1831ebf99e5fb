using System.Collections.Generic;
using System.Linq;

namespace AnarchoRedis.Jepsen.Nemesis;

/// <summary>
/// Which hash slots each replica may have lost data in since the last complete repair. The guarantee on replicas that
/// are Redis Clusters is per slot: no acknowledged write is lost while at most N − W replicas lose a given slot's data
/// between repairs. With N = 3 and W = 2 that is one replica per slot, so the cluster nemesis may wipe shards of two
/// replicas without a repair in between when their slots do not overlap, and must repair first when they would.
/// </summary>
public sealed class SlotLossLedger
{
    private readonly Dictionary<int, HashSet<int>> _lost = new();

    /// <summary>Whether any slot was lost and not yet repaired.</summary>
    public bool IsEmpty => _lost.Values.All(s => s.Count == 0);

    /// <summary>Replicas with lost, unrepaired slots, and how many.</summary>
    public IReadOnlyDictionary<int, int> LostCounts => _lost.Where(p => p.Value.Count > 0).ToDictionary(p => p.Key, p => p.Value.Count);

    /// <summary>
    /// Whether losing <paramref name="slots"/> on <paramref name="replica"/> now would make more than
    /// <paramref name="maxReplicasPerSlot"/> replicas lose some slot between repairs; the other replica's first such
    /// slot is given back for the log.
    /// </summary>
    public bool WouldExceed(int replica, IEnumerable<int> slots, int maxReplicasPerSlot, out int conflictingSlot)
    {
        foreach (var slot in slots)
        {
            var losers = _lost.Count(p => p.Key != replica && p.Value.Contains(slot));
            if (losers + 1 > maxReplicasPerSlot)
            {
                conflictingSlot = slot;
                return true;
            }
        }

        conflictingSlot = -1;
        return false;
    }

    /// <summary>Records that <paramref name="replica"/> may have lost <paramref name="slots"/>.</summary>
    public void Record(int replica, IEnumerable<int> slots)
    {
        if (!_lost.TryGetValue(replica, out var set))
        {
            _lost[replica] = set = new HashSet<int>();
        }

        set.UnionWith(slots);
    }

    /// <summary>A complete (clean) repair: every replica holds every slot again.</summary>
    public void Clear() => _lost.Clear();
}
