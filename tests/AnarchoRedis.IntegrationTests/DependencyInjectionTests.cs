using System;
using System.Collections.Generic;
using System.Threading.Tasks;
using AnarchoRedis.IntegrationTests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Xunit;

namespace AnarchoRedis.IntegrationTests;

public sealed class DependencyInjectionTests : IClassFixture<RedisCluster>
{
    private readonly RedisCluster _cluster;

    public DependencyInjectionTests(RedisCluster cluster) => _cluster = cluster;

    [Fact]
    public async Task Client_registered_in_code_resolves_as_a_singleton_and_replicates()
    {
        var services = new ServiceCollection();
        services.AddAnarchoRedis(o =>
        {
            foreach (var node in _cluster.Nodes)
            {
                o.Nodes.Add(node.EndPoint);
            }

            o.NodeTimeout = RedisCluster.DefaultNodeTimeout;
            o.WriteConsistency = Consistency.All;
        });
        await using var provider = services.BuildServiceProvider();

        var client = provider.GetRequiredService<AnarchoRedisClient>();

        Assert.Same(client, provider.GetRequiredService<AnarchoRedisClient>());
        Assert.Equal(3, client.Nodes.Count);
        await AssertReplicatesAsync(client, "profile:di-code");
    }

    [Fact]
    public async Task Client_bound_from_configuration_uses_the_configured_nodes_and_policies()
    {
        var settings = new Dictionary<string, string?>
        {
            ["AnarchoRedis:NodeTimeout"] = "00:00:00.5",
            ["AnarchoRedis:WriteConsistency"] = "All",
            ["AnarchoRedis:ReadConsistency"] = "One",
            ["AnarchoRedis:WriterId"] = "4242",
        };
        for (var i = 0; i < _cluster.Nodes.Count; i++)
        {
            settings[$"AnarchoRedis:Nodes:{i}"] = _cluster[i].EndPoint;
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddAnarchoRedis(configuration.GetSection("AnarchoRedis"));
        await using var provider = services.BuildServiceProvider();

        var client = provider.GetRequiredService<AnarchoRedisClient>();

        Assert.Equal(3, client.Nodes.Count);
        Assert.Equal(TimeSpan.FromMilliseconds(500), client.Options.NodeTimeout);
        Assert.Equal(Consistency.One, client.Options.ReadConsistency);
        Assert.Equal(4242UL, client.Clock.WriterId);
        var written = await AssertReplicatesAsync(client, "profile:di-config");
        Assert.Equal(4242UL, written.Version.WriterId);
        Assert.Equal(3, written.Required);
    }

    [Fact]
    public async Task Options_without_nodes_fail_validation_when_the_client_is_resolved()
    {
        var services = new ServiceCollection();
        services.AddAnarchoRedis(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["AnarchoRedis:NodeTimeout"] = "00:00:01" }).Build().GetSection("AnarchoRedis"));
        await using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<AnarchoRedisClient>());

        Assert.Contains(error.Failures, f => f.Contains("Nodes", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Options_configured_in_code_without_nodes_fail_validation_when_the_client_is_resolved()
    {
        var services = new ServiceCollection();
        services.AddAnarchoRedis(o => o.NodeTimeout = TimeSpan.FromSeconds(1));
        await using var provider = services.BuildServiceProvider();

        Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<AnarchoRedisClient>());
    }

    private async Task<WriteResult> AssertReplicatesAsync(AnarchoRedisClient client, string key)
    {
        var store = client.GetValueStore(Profile.Descriptor);
        var profile = new Profile { Id = 12, Name = "injected" };
        var written = await store.SetAsync(key, profile);
        Assert.Equal(3, written.Acknowledged);
        Assert.Equal(profile, await store.GetAsync(key));
        for (var node = 0; node < 3; node++)
        {
            Assert.Equal(written.Version.ToString(), await _cluster.VersionAsync(node, key));
        }

        return written;
    }
}
