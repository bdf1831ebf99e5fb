using System.Collections.Generic;
using System.Net;
using StackExchange.Redis;

namespace AnarchoRedis;

/// <summary>
/// One shard of a node: a primary that owns hash slots. A standalone node is one shard owning every slot; a node that is
/// a Redis Cluster has one per primary (from the cluster's configuration as StackExchange.Redis last saw it).
/// </summary>
/// <param name="Name">The shard's endpoint, as in logs (<c>host:port</c>).</param>
/// <param name="EndPoint">The primary's endpoint.</param>
/// <param name="Server">The primary, for keyless commands that must run on every shard (SCAN, INFO).</param>
/// <param name="Slots">The slot ranges it owns.</param>
internal sealed record ReplicaShard(string Name, EndPoint EndPoint, IServer Server, IReadOnlyList<SlotRange> Slots)
{
    /// <summary>Every slot the shard owns, in order.</summary>
    public IEnumerable<int> SlotNumbers()
    {
        foreach (var range in Slots)
        {
            for (var slot = range.From; slot <= range.To; slot++)
            {
                yield return slot;
            }
        }
    }

    /// <summary>The <paramref name="index"/>-th slot the shard owns, in order (0 ≤ index &lt; <see cref="SlotCount"/>), by range: no walk over the slots.</summary>
    public int SlotAt(int index)
    {
        foreach (var range in Slots)
        {
            var size = range.To - range.From + 1;
            if (index < size)
            {
                return range.From + index;
            }

            index -= size;
        }

        throw new System.ArgumentOutOfRangeException(nameof(index), "The shard owns fewer slots.");
    }

    /// <summary>How many slots the shard owns.</summary>
    public int SlotCount
    {
        get
        {
            var count = 0;
            foreach (var range in Slots)
            {
                count += range.To - range.From + 1;
            }

            return count;
        }
    }
}
