using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using AnarchoRedis.IntegrationTests.Infrastructure;
using Xunit;

namespace AnarchoRedis.IntegrationTests;

public sealed class ConcurrencyTests
{
    [Fact]
    public async Task Two_clients_writing_one_key_concurrently_converge_on_the_newest_write_everywhere()
    {
        await using var cluster = await RedisCluster.StartAsync();
        var alice = (await cluster.CreateClientAsync(o => o.WriterId = 0x1111)).GetValueStore(Profile.Descriptor);
        var bob = (await cluster.CreateClientAsync(o => o.WriterId = 0x2222)).GetValueStore(Profile.Descriptor);
        const string key = "profile:contended";
        var written = new List<(WriteResult Result, Profile Value)>();

        for (var round = 0; round < 40; round++)
        {
            var a = new Profile { Id = 1, Name = "alice", Age = round };
            var b = new Profile { Id = 1, Name = "bob", Age = round };
            var results = await Task.WhenAll(alice.SetAsync(key, a).AsTask(), bob.SetAsync(key, b).AsTask());
            written.Add((results[0], a));
            written.Add((results[1], b));
        }

        var newest = written.MaxBy(w => w.Result.Version);
        Assert.Equal(written.Count, written.Select(w => w.Result.Version).Distinct().Count());

        var seenByAlice = await alice.GetVersionedAsync(key);
        var seenByBob = await bob.GetVersionedAsync(key);

        Assert.Equal(newest.Result.Version, seenByAlice?.Version);
        Assert.Equal(newest.Result.Version, seenByBob?.Version);
        Assert.Equal(newest.Value, seenByAlice?.Value);
        Assert.Equal(newest.Value, seenByBob?.Value);
        await Eventually.HoldsAsync(
            async () => (await cluster.ReplicasAsync(key)).All(r => r.Version == newest.Result.Version.ToString()),
            "every node holds the newest version");
        var replicas = await cluster.ReplicasAsync(key);
        Assert.All(replicas, r => Assert.Equal(replicas[0].Data, r.Data));
        Assert.Equal(await cluster.MetaAsync(0, key), await cluster.MetaAsync(1, key));
        Assert.Equal(await cluster.MetaAsync(0, key), await cluster.MetaAsync(2, key));
    }
}
