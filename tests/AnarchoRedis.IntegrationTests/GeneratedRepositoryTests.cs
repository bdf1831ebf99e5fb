using System;
using System.Threading.Tasks;
using AnarchoRedis.IntegrationTests.Infrastructure;
using AnarchoRedis.IntegrationTests.Models;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace AnarchoRedis.IntegrationTests;

/// <summary>The path a user takes: annotate a model, register AnarchoRedis and the generated call, inject the repository.</summary>
public sealed class GeneratedRepositoryTests : IClassFixture<RedisCluster>
{
    private readonly RedisCluster _cluster;

    public GeneratedRepositoryTests(RedisCluster cluster) => _cluster = cluster;

    [Fact]
    public async Task Injected_generated_repository_round_trips_through_all_nodes_with_the_types_policies()
    {
        await using var provider = BuildProvider();
        var accounts = provider.GetRequiredService<IAccountRepository>();
        var id = Guid.NewGuid();
        var key = $"account:Asia:{id:D}";
        Assert.Equal(key, AccountRepository.FormatKey(Region.Asia, id));

        var written = await accounts.SetAsync(new Account { Region = Region.Asia, Id = id, Owner = "Grace", Balance = 1_000 });

        // The attribute asks for WriteConsistency.All: every node acknowledged before SetAsync returned.
        Assert.Equal(3, written.Required);
        for (var node = 0; node < 3; node++)
        {
            Assert.Equal(written.Version.ToString(), await _cluster.VersionAsync(node, key));
            Assert.Equal("tests.account", (await _cluster.MetaAsync(node, key))["n"]);
        }

        var read = await accounts.GetVersionedAsync(Region.Asia, id);
        Assert.NotNull(read);
        Assert.Equal("Grace", read.Value.Value.Owner);
        Assert.Equal(1_000, read.Value.Value.Balance);
        Assert.Equal(written.Version, read.Value.Version);
        Assert.Null(await accounts.GetAsync(Region.Europe, id));

        await accounts.DeleteAsync(Region.Asia, id);
        Assert.Null(await accounts.GetAsync(Region.Asia, id));
        for (var node = 0; node < 3; node++)
        {
            Assert.Equal("1", (await _cluster.MetaAsync(node, key))["t"]);
        }
    }

    [Fact]
    public async Task Generated_registration_puts_the_type_in_the_registry_and_is_idempotent()
    {
        var services = new ServiceCollection();
        services.AddAnarchoRedis(o => Configure(o)).AddAnarchoRedisIntegrationTestsRepositories().AddAnarchoRedisIntegrationTestsRepositories();
        await using var provider = services.BuildServiceProvider();

        var registry = provider.GetRequiredService<ReplicatedTypeRegistry>();

        Assert.True(registry.TryGet("tests.account", out var descriptor));
        Assert.Equal(ReplicatedKind.Value, descriptor.Kind);
        Assert.Equal(typeof(Account), descriptor.ValueType);
        Assert.Equal("account:{Region}:{Id}", descriptor.KeyTemplate);
        Assert.Same(provider.GetRequiredService<IAccountRepository>(), provider.GetRequiredService<IAccountRepository>());
    }

    private ServiceProvider BuildProvider()
    {
        var services = new ServiceCollection();
        services.AddAnarchoRedis(o => Configure(o)).AddAnarchoRedisIntegrationTestsRepositories();
        return services.BuildServiceProvider();
    }

    private void Configure(AnarchoRedisOptions options)
    {
        foreach (var node in _cluster.Nodes)
        {
            options.Nodes.Add(node.EndPoint);
        }

        options.NodeTimeout = RedisCluster.DefaultNodeTimeout;
    }
}
