using System;
using System.Threading.Tasks;
using AnarchoRedis.IntegrationTests.Infrastructure;
using Xunit;

namespace AnarchoRedis.IntegrationTests;

/// <summary>A version from far in the future, seen on a node, must not poison the client that reads it.</summary>
public sealed class ClockSkewTests
{
    [Fact]
    public async Task A_client_that_reads_an_all_ff_version_keeps_writing_with_versions_near_now()
    {
        await using var cluster = await RedisCluster.StartAsync();
        using var meters = new TestMeterFactory();
        using var skewEvents = new CounterRecorder(meters, "anarchoredis.clock.skew_events");
        await using var client = await AnarchoRedisClient.ConnectAsync(cluster.CreateOptions(), meterFactory: meters);
        var profiles = client.GetValueStore(Profile.Descriptor);
        await profiles.SetAsync("profile:broken", new Profile { Id = 1, Name = "a" }, WriteOptions.All);

        // A node with a broken clock (or a hand-edited meta) holds the key at the top of the version range.
        await cluster[0].Db.HashSetAsync(RedisCluster.MetaKeyOf("profile:broken"), "v", new string('f', 32));
        var read = await profiles.GetAsync("profile:broken", ReadOptions.All);

        // The read completes (the version is data: it wins), and the client's own clock is unharmed.
        Assert.Equal("a", read?.Name);
        var written = await profiles.SetAsync("profile:other", new Profile { Id = 2, Name = "b" });
        Assert.InRange(written.Version.Timestamp, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddMinutes(1));
        Assert.True(skewEvents.Total >= 1);

        // The read repaired the other nodes with the winning version (it is data), so a write to that key now cannot
        // win on any node: it fails, definitely not applied, instead of being acknowledged as "superseded".
        var refused = await Assert.ThrowsAsync<QuorumNotReachedException>(async () => await profiles.SetAsync("profile:broken", new Profile { Id = 1, Name = "c" }));
        Assert.False(refused.IsIndeterminate);
        Assert.All(refused.Outcomes, o => Assert.IsType<VersionAheadException>(o.Error));
    }
}
