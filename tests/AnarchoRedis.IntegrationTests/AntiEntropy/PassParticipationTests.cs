using System;
using System.Threading.Tasks;
using AnarchoRedis.IntegrationTests.Infrastructure;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace AnarchoRedis.IntegrationTests.AntiEntropy;

/// <summary>
/// A purge is safe only when every node took part: a node that answers a pass with errors (not a dropped connection,
/// so it is not "unreachable") still did not show what it holds, and may hold the very value a tombstone keeps dead.
/// </summary>
public sealed class PassParticipationTests
{
    private static readonly ReplicatedTypeRegistry Registry = new(Profile.Descriptor);

    private static void Unthrottled(AnarchoRedisOptions options)
    {
        options.AntiEntropy.MaxKeysPerSecond = 0;
        options.Hints.Enabled = false;
    }

    [Fact]
    public async Task A_node_that_answers_the_pass_with_errors_blocks_the_purge_of_a_tombstone_it_does_not_hold()
    {
        await using var cluster = await RedisCluster.StartAsync();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var client = await cluster.CreateClientAsync(Unthrottled, time);
        var store = client.GetValueStore(Profile.Descriptor);
        const string key = "profile:purge-subset";
        await store.SetAsync(key, new Profile { Id = 1, Name = "doomed" }, WriteOptions.All);

        // Node 2 misses the delete (a client that only knows nodes 0 and 1 makes it): it still holds the live value.
        // (It reads the key first: both clients share a stopped fake clock, and only a version it has seen is one its
        // delete is sure to be above.)
        var deleter = (await cluster.CreateClientAsync(Unthrottled, time, nodes: [0, 1])).GetValueStore(Profile.Descriptor);
        Assert.NotNull(await deleter.GetAsync(key, ReadOptions.All));
        var deleted = await deleter.DeleteAsync(key, WriteOptions.All);

        // Node 2 answers the pass, but with an error for the key's slot index (another Redis type under its name).
        var index = new SlotKeys("anrcho_slot:").IndexKey(HashSlot.Of(key));
        await cluster[2].Db.KeyDeleteAsync(index);
        await cluster[2].Db.StringSetAsync(index, "not a hash");
        time.Advance(client.Options.TombstoneGracePeriod + TimeSpan.FromMinutes(1));

        var report = await new AntiEntropyRunner(client, Registry).RunPassAsync();

        Assert.False(report.IsClean, report.ToString());
        Assert.Equal(0, report.ValueTombstonesPurged);
        Assert.Equal(deleted.Version.ToString(), await cluster.VersionAsync(0, key));
        Assert.Equal(deleted.Version.ToString(), await cluster.VersionAsync(1, key));

        // Once node 2's index is back, a pass copies the tombstone to it: the value stays deleted everywhere.
        await cluster[2].Db.KeyDeleteAsync(index);
        await new AntiEntropyRunner(client, Registry).RunPassAsync(AntiEntropyPassMode.Scan);
        Assert.Null(await store.GetAsync(key, ReadOptions.All));
        Assert.Null(await cluster.DataAsync(2, key));
    }
}
