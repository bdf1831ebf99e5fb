using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using AnarchoRedis.IntegrationTests.Infrastructure;
using AnarchoRedis.IntegrationTests.Lists;
using Xunit;

namespace AnarchoRedis.IntegrationTests.AntiEntropy;

/// <summary>
/// A list repair is conditional on what the node held when it was read; when the node changed meanwhile the repair is
/// not written ("superseded"), and the node is not healed: a pass must not count that as done (a clean pass is what
/// sets a refilling node ready).
/// </summary>
public sealed class ListRepairOutcomeTests
{
    private static readonly ReplicatedTypeRegistry Registry = new(ChatMessage.Descriptor);

    [Fact]
    public async Task A_pass_whose_list_repair_lost_to_a_concurrent_push_is_not_clean()
    {
        await using var cluster = await RedisCluster.StartAsync();
        var logs = new LogRecorder();
        await using var client = await AnarchoRedisClient.ConnectAsync(
            cluster.CreateOptions(o =>
            {
                o.AntiEntropy.MaxKeysPerSecond = 0;
                o.Hints.Enabled = false;
            }),
            loggerFactory: logs);
        const string key = "chat:repair-race";

        // Nodes 0 and 1 hold the list; node 2 gets pushes of its own, without pause, from a client that knows only it.
        var both = (await cluster.CreateClientAsync(o => o.Hints.Enabled = false, nodes: [0, 1])).GetListStore(ChatMessage.Descriptor);
        await both.PushRightAsync(key, Enumerable.Range(0, 200).Select(i => ChatMessage.Of($"m{i}")), WriteOptions.All);
        var nodeTwo = (await cluster.CreateClientAsync(o => o.Hints.Enabled = false, nodes: [2])).GetListStore(ChatMessage.Descriptor);
        using var stop = new CancellationTokenSource();
        var pusher = Task.Run(async () =>
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                await nodeTwo.PushRightAsync(key, ChatMessage.Of($"n{i}"), WriteOptions.One);
            }
        });

        try
        {
            var runner = new AntiEntropyRunner(client, Registry);
            for (var pass = 0; pass < 40; pass++)
            {
                logs.Clear();
                var report = await runner.RunPassAsync();
                var superseded = logs.Of(404).Any(m => m.Contains(key, StringComparison.Ordinal) && m.EndsWith("Superseded", StringComparison.Ordinal));
                if (superseded)
                {
                    Assert.False(report.IsClean, report.ToString());
                    return;
                }
            }

            Assert.Fail("no pass met a superseded list repair in 40 tries");
        }
        finally
        {
            await stop.CancelAsync();
            await pusher;
        }
    }
}
