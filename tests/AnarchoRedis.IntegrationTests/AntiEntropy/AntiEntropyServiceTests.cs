using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using AnarchoRedis.IntegrationTests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Xunit;

namespace AnarchoRedis.IntegrationTests.AntiEntropy;

/// <summary>The hosted self-healer as <c>AddAnarchoRedis</c> registers it.</summary>
public sealed class AntiEntropyServiceTests
{
    private static readonly ReplicatedTypeCatalog Catalog = new(Profile.Descriptor);

    [Fact]
    public async Task The_registered_service_repairs_a_flushed_node_on_its_schedule_without_any_read()
    {
        await using var cluster = await RedisCluster.StartAsync();
        var services = new ServiceCollection();
        services.AddAnarchoRedis(o =>
        {
            o.Nodes = cluster.Nodes.Select(n => n.EndPoint).ToList();
            o.NodeTimeout = RedisCluster.DefaultNodeTimeout;
            o.AntiEntropy.Interval = TimeSpan.FromMilliseconds(100);
            o.AntiEntropy.Jitter = TimeSpan.Zero;
        }).AddReplicatedTypeCatalog(Catalog);
        await using var provider = services.BuildServiceProvider();
        var client = provider.GetRequiredService<AnarchoRedisClient>();
        var store = client.GetValueStore(Profile.Descriptor);
        for (var i = 0; i < 50; i++)
        {
            await store.SetAsync($"profile:svc{i}", new Profile { Id = i }, WriteOptions.All);
        }

        await cluster[1].Db.ExecuteAsync("FLUSHALL");
        var service = Assert.Single(provider.GetServices<IHostedService>().OfType<AntiEntropyService>());
        await service.StartAsync(CancellationToken.None);
        try
        {
            await Eventually.HoldsAsync(
                async () => await cluster.VersionAsync(1, "profile:svc49") is not null && await cluster.VersionAsync(1, "profile:svc0") is not null,
                "the scheduled pass refilled the flushed node",
                TimeSpan.FromSeconds(20));
            var runner = provider.GetRequiredService<AntiEntropyRunner>();
            await Eventually.HoldsAsync(() => Task.FromResult(runner.LastReport is { ValuesRepaired: 50 } or { KeysRepaired: 0, SlotsDiffering: 0 }), "a pass report is kept", TimeSpan.FromSeconds(10));
        }
        finally
        {
            await service.StopAsync(CancellationToken.None);
        }

        await NodeDump.AssertIdenticalAsync(cluster);
    }

    [Fact]
    public async Task Anti_entropy_options_bind_from_configuration_and_bad_ones_are_rejected()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AnarchoRedis:Nodes:0"] = "127.0.0.1:1",
            ["AnarchoRedis:AntiEntropy:Enabled"] = "false",
            ["AnarchoRedis:AntiEntropy:Interval"] = "00:05:00",
            ["AnarchoRedis:AntiEntropy:MaxKeysPerSecond"] = "500",
            ["AnarchoRedis:SlotDigests"] = "false",
        }).Build();
        var services = new ServiceCollection().AddAnarchoRedis(configuration.GetSection("AnarchoRedis"));
        await using var provider = services.BuildServiceProvider();
        var options = provider.GetRequiredService<Microsoft.Extensions.Options.IOptions<AnarchoRedisOptions>>().Value;

        Assert.False(options.AntiEntropy.Enabled);
        Assert.Equal(TimeSpan.FromMinutes(5), options.AntiEntropy.Interval);
        Assert.Equal(500, options.AntiEntropy.MaxKeysPerSecond);
        Assert.False(options.SlotDigests);

        var bad = new AnarchoRedisOptions { Nodes = ["127.0.0.1:1"] };
        bad.AntiEntropy.Interval = TimeSpan.Zero;
        bad.AntiEntropy.Concurrency = 0;
        var result = new AnarchoRedisOptionsValidator().Validate(null, bad);
        Assert.True(result.Failed);
        Assert.Contains("AntiEntropy.Interval", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("AntiEntropy.Concurrency", result.FailureMessage, StringComparison.Ordinal);
    }

    private sealed class ReplicatedTypeCatalog(params ReplicatedTypeDescriptor[] types) : IReplicatedTypeCatalog
    {
        public IReadOnlyList<ReplicatedTypeDescriptor> Types { get; } = types;
    }
}
