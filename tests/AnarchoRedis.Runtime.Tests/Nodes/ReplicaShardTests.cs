using System.Linq;
using System.Net;
using StackExchange.Redis;
using Xunit;

namespace AnarchoRedis.Runtime.Tests.Nodes;

/// <summary>A shard's slots: the probe picks its n-th slot by range (<see cref="ReplicaShard.SlotAt"/>), the same slot a walk gives.</summary>
public sealed class ReplicaShardTests
{
    [Fact]
    public void The_nth_slot_by_range_is_the_nth_slot_of_the_walk_for_every_n()
    {
        var shard = new ReplicaShard("s", new IPEndPoint(IPAddress.Loopback, 1), null!, [new SlotRange(0, 4), new SlotRange(100, 100), new SlotRange(5000, 5002)]);
        var walk = shard.SlotNumbers().ToArray();

        Assert.Equal(shard.SlotCount, walk.Length);
        Assert.Equal(walk, Enumerable.Range(0, shard.SlotCount).Select(shard.SlotAt));
        Assert.Throws<System.ArgumentOutOfRangeException>(() => shard.SlotAt(shard.SlotCount));
    }
}
