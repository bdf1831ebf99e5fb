using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using AnarchoRedis.IntegrationTests.Infrastructure;
using AnarchoRedis.IntegrationTests.Lists;
using Xunit;

namespace AnarchoRedis.IntegrationTests.AntiEntropy;

/// <summary>
/// A digest pass reads and repairs in pipelined batches per node: a node lost in the middle of one is a node of the
/// report, never an exception of the pass; and the bookkeeping a pass leaves is the same on every node even where it
/// skips the settle of a slot.
/// </summary>
public sealed class PassFaultTests
{
    private static readonly ReplicatedTypeRegistry Registry = new(Profile.Descriptor, ChatMessage.Descriptor);

    [Fact]
    public async Task A_node_killed_in_the_middle_of_a_digest_pass_is_reported_unreachable_and_the_pass_ends()
    {
        await using var cluster = await RedisCluster.StartAsync();
        var client = await cluster.CreateClientAsync(o =>
        {
            o.AntiEntropy.MaxKeysPerSecond = 3000;
            o.Hints.Enabled = false;
        });
        var profiles = client.GetValueStore(Profile.Descriptor);
        var written = await profiles.SetManyAsync(Enumerable.Range(0, 6000).Select(i => new System.Collections.Generic.KeyValuePair<string, Profile>($"profile:{i}", new Profile { Id = i })), WriteOptions.All);
        Assert.All(written, w => Assert.True(w.IsSuccess));
        await cluster[2].Db.ExecuteAsync("FLUSHALL");

        // Node 1 dies an eighth into the pass, while it is being read and repaired in batches.
        var killed = 0;
        var progress = new Inline(p =>
        {
            if (p.Phase == AntiEntropyPhase.Repairing && p.Done >= 2048 && Interlocked.Exchange(ref killed, 1) == 0)
            {
                cluster[1].Kill();
            }
        });
        var report = await new AntiEntropyRunner(client, Registry).RunPassAsync(progress: progress);

        Assert.Equal(1, killed);
        Assert.Equal([cluster[1].EndPoint], report.UnreachableNodes);
        Assert.True(report.ValuesRepaired > 0);
    }

    [Fact]
    public async Task Entries_dropped_for_a_key_nobody_holds_leave_the_same_slot_keys_on_every_node()
    {
        await using var cluster = await RedisCluster.StartAsync();
        var client = await cluster.CreateClientAsync(o =>
        {
            o.AntiEntropy.MaxKeysPerSecond = 0;
            o.Hints.Enabled = false;
        });
        await client.GetValueStore(Profile.Descriptor).SetAsync("profile:1", new Profile { Id = 1, Name = "a" }, WriteOptions.All);

        // Node 2 lost everything; nodes 0 and 1 lost the key and its meta (deleted by hand, or evicted), not its index
        // entry: the pass drops the stale entries, which empties that slot's index on nodes 0 and 1.
        await cluster[2].Db.ExecuteAsync("FLUSHALL");
        foreach (var n in new[] { 0, 1 })
        {
            await cluster[n].Db.KeyDeleteAsync([RedisCluster.MetaKeyOf("profile:1"), "profile:1"]);
        }

        await new AntiEntropyRunner(client, Registry).RunPassAsync();

        await NodeDump.AssertIdenticalAsync(cluster);
    }

    private sealed class Inline(Action<AntiEntropyProgress> report) : IProgress<AntiEntropyProgress>
    {
        public void Report(AntiEntropyProgress value) => report(value);
    }
}
