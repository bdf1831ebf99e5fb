using System;
using System.Collections.Concurrent;
using System.Linq;
using System.Threading.Tasks;
using StackExchange.Redis;
using Xunit;

namespace AnarchoRedis.Testing.Tests;

/// <summary>Runs alone, so the unobserved exceptions it counts are its own.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RunsAloneCollection
{
    public const string Name = "runs alone";
}

/// <summary>Every fault, then dispose: nothing the kit started may fail unobserved.</summary>
[Collection(RunsAloneCollection.Name)]
public sealed class UnobservedExceptionTests
{
    [Fact]
    public async Task Faults_and_dispose_leave_no_unobserved_task_exception()
    {
        var unobserved = new ConcurrentQueue<Exception>();
        void Record(object? sender, UnobservedTaskExceptionEventArgs e) => unobserved.Enqueue(e.Exception);
        TaskScheduler.UnobservedTaskException += Record;
        try
        {
            await RunFaultsAsync();
            for (var i = 0; i < 3; i++)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
                await Task.Delay(50);
            }

            Assert.Empty(unobserved.Select(e => e.ToString()));
        }
        finally
        {
            TaskScheduler.UnobservedTaskException -= Record;
        }
    }

    private static async Task RunFaultsAsync()
    {
        await using var cluster = await LocalCluster.StartAsync(new LocalClusterOptions { NodeCount = 2 });
        await using var first = await Connections.ConnectAsync(cluster[0].EndPoint, timeoutMs: 500, failFast: true);
        await using var second = await Connections.ConnectAsync(cluster[1].EndPoint, timeoutMs: 500, failFast: true);

        cluster[0].Latency = TimeSpan.FromMilliseconds(5);
        await Task.WhenAll(Enumerable.Range(0, 500).Select(i => first.GetDatabase().StringSetAsync("k", i)));
        cluster[1].Partition();
        await Assert.ThrowsAsync<RedisTimeoutException>(() => second.GetDatabase().PingAsync());
        cluster[1].Partition(PartitionMode.Reset);
        cluster[1].Heal();
        cluster[0].Proxy!.ResetConnections();
        cluster[0].Kill();
        await cluster[0].RestartAsync(RestartMode.LoseData);
        cluster[1].Pause();
        cluster[1].Partition();
        // In flight while everything is disposed: a stalled, paused node and a delayed one.
        _ = second.GetDatabase().PingAsync().ContinueWith(t => t.Exception, TaskScheduler.Default);
        _ = first.GetDatabase().PingAsync().ContinueWith(t => t.Exception, TaskScheduler.Default);
    }
}
