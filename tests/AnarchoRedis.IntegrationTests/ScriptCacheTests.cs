using System.Threading.Tasks;
using AnarchoRedis.IntegrationTests.Infrastructure;
using AnarchoRedis.Testing;
using Xunit;

namespace AnarchoRedis.IntegrationTests;

public sealed class ScriptCacheTests
{
    [Fact]
    public async Task Writes_and_reads_keep_working_after_every_node_forgot_the_scripts()
    {
        await using var cluster = await RedisCluster.StartAsync();
        var client = await cluster.CreateClientAsync();
        var store = client.GetValueStore(Profile.Descriptor);
        const string key = "profile:noscript";
        await store.SetAsync(key, new Profile { Id = 1, Name = "before flush" }, WriteOptions.All);
        Assert.Equal("before flush", (await store.GetAsync(key, ReadOptions.All))?.Name);

        await FlushScriptsAsync(cluster);
        var written = await store.SetAsync(key, new Profile { Id = 1, Name = "after flush" }, WriteOptions.All);
        foreach (var node in cluster.Nodes)
        {
            Assert.True(await node.Server.ScriptExistsAsync(LuaScript.ValueWrite.Sha1), $"{node} has the write script again");
        }

        await FlushScriptsAsync(cluster);
        var read = await store.GetVersionedAsync(key, ReadOptions.All);
        foreach (var node in cluster.Nodes)
        {
            Assert.True(await node.Server.ScriptExistsAsync(LuaScript.ValueRead.Sha1), $"{node} has the read script again");
        }

        Assert.Equal(3, written.Acknowledged);
        Assert.Equal("after flush", read?.Value.Name);
        Assert.Equal(written.Version, read?.Version);
    }

    [Fact]
    public async Task Node_restarted_empty_gets_the_scripts_again_without_an_error_reaching_the_caller()
    {
        await using var cluster = await RedisCluster.StartAsync();
        var client = await cluster.CreateClientAsync();
        var store = client.GetValueStore(Profile.Descriptor);
        await store.SetAsync("profile:warm", new Profile { Id = 1 }, WriteOptions.All);

        await cluster[0].RestartAsync(RestartMode.LoseData);
        await Eventually.ClientReachesAllNodesAsync(client);

        Assert.Equal(3, (await store.SetAsync("profile:after-restart", new Profile { Id = 2 }, WriteOptions.All)).Acknowledged);

        // Node 0 restarted empty, so it is filling and its read answer does not count toward R; it is still asked, and
        // gets the read script again on the way.
        Assert.Equal(2, (await store.GetAsync("profile:after-restart", ReadOptions.Quorum))?.Id);
        await Eventually.HoldsAsync(() => cluster[0].Server.ScriptExistsAsync(LuaScript.ValueRead.Sha1), "the read script was loaded again on node 0");
    }

    private static async Task FlushScriptsAsync(RedisCluster cluster)
    {
        foreach (var node in cluster.Nodes)
        {
            await node.Server.ScriptFlushAsync();
            Assert.False(await node.Server.ScriptExistsAsync(LuaScript.ValueWrite.Sha1));
            Assert.False(await node.Server.ScriptExistsAsync(LuaScript.ValueRead.Sha1));
        }
    }
}
