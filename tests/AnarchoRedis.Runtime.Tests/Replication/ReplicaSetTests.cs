using System;
using System.Linq;
using System.Threading.Tasks;
using Xunit;

namespace AnarchoRedis.Runtime.Tests.Replication;

/// <summary>
/// <see cref="ReplicaSet.Required"/> needs a real <see cref="ReplicaSet"/>. Nodes connect with
/// AbortOnConnectFail=false, so <see cref="ReplicaSet.ConnectAsync"/> returns even when nothing listens: these tests
/// point it at a closed local port (no Redis server) and only use the node count. No command is sent.
/// </summary>
public sealed class ReplicaSetTests
{
    private static async Task<ReplicaSet> Unreachable(int nodes)
    {
        var options = new AnarchoRedisOptions
        {
            // Port 1 (tcpmux) is closed on these machines: each connect is refused at once.
            Nodes = Enumerable.Range(0, nodes).Select(i => $"127.0.0.{i + 1}:1").ToList(),
            ConnectTimeout = TimeSpan.FromMilliseconds(500),
        };
        var set = await ReplicaSet.ConnectAsync(options);
        Assert.Equal(nodes, set.Count);
        return set;
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(3, 2)]
    [InlineData(4, 3)]
    [InlineData(5, 3)]
    public async Task Majority_is_half_plus_one(int nodes, int majority)
    {
        await using var set = await Unreachable(nodes);

        Assert.Equal(majority, set.Majority);
        Assert.Equal(majority, set.Required(null, Consistency.Quorum));
    }

    [Fact]
    public async Task Required_takes_the_first_level_that_is_not_Default()
    {
        await using var set = await Unreachable(5);

        Assert.Equal(1, set.Required(null, Consistency.One, Consistency.All));
        Assert.Equal(5, set.Required(null, Consistency.Default, Consistency.All, Consistency.One));
        Assert.Equal(3, set.Required(null, Consistency.Default, Consistency.Default, Consistency.Quorum));
        Assert.Equal(3, set.Required(null, Consistency.Default)); // nothing set anywhere: a majority
        Assert.Equal(3, set.Required(null));
    }

    [Fact]
    public async Task An_explicit_count_wins_over_levels_and_must_be_within_1_to_N()
    {
        await using var set = await Unreachable(3);

        Assert.Equal(1, set.Required(1, Consistency.All));
        Assert.Equal(3, set.Required(3, Consistency.One));

        var zero = Assert.Throws<ArgumentOutOfRangeException>(() => set.Required(0, Consistency.One));
        var four = Assert.Throws<ArgumentOutOfRangeException>(() => set.Required(4));
        Assert.Contains("(3)", four.Message, StringComparison.Ordinal);
        Assert.Equal(0, zero.ActualValue);
        Assert.Throws<ArgumentOutOfRangeException>(() => set.Required(-1));
    }

    [Fact]
    public async Task Nodes_are_named_by_endpoint_in_configured_order()
    {
        await using var set = await Unreachable(3);

        Assert.Equal(["127.0.0.1:1", "127.0.0.2:1", "127.0.0.3:1"], set.Nodes.Select(n => n.Name));
        Assert.Equal([0, 1, 2], set.Nodes.Select(n => n.Index));
        Assert.All(set.Nodes, n => Assert.False(n.IsConnected));
    }
}
