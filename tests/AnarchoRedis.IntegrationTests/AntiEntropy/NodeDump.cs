using System;
using System.Linq;
using System.Threading.Tasks;
using AnarchoRedis.IntegrationTests.Infrastructure;
using AnarchoRedis.Testing;

namespace AnarchoRedis.IntegrationTests.AntiEntropy;

/// <summary>
/// The integration tests' use of the testing kit's whole-keyspace comparison (<see cref="KeyspaceComparison"/>): every
/// key of every node, bookkeeping included, byte for byte and with its expiry.
/// </summary>
internal static class NodeDump
{
    /// <summary>The default epoch key name (empty-restart detection), left out of comparisons.</summary>
    public const string EpochKey = AnarchoRedisOptions.DefaultEpochKey;

    /// <summary>Asserts that every node of the cluster holds exactly the same keyspace (but the per-node keys).</summary>
    public static async Task AssertIdenticalAsync(RedisCluster cluster)
    {
        var differences = await KeyspaceComparison.CompareAsync(cluster.Nodes, maxDifferences: 10);
        Xunit.Assert.True(differences.Count == 0, $"the nodes differ:{Environment.NewLine}{string.Join(Environment.NewLine, differences)}");
    }
}
