using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using AnarchoRedis.IntegrationTests.Infrastructure;
using AnarchoRedis.IntegrationTests.Lists;
using Xunit;

namespace AnarchoRedis.IntegrationTests.Hints;

/// <summary>
/// A write that missed its quorum because a node hung is reported as indeterminate, never as "not applied": after the
/// node resumes, the write is there. A list operation that fails in its read step wrote nothing and says so.
/// </summary>
public sealed class IndeterminateOutcomeTests
{
    private const string Key = "profile:ind";
    private const string ListKey = "chat:{ind}";

    [Theory]
    [InlineData("set")]
    [InlineData("delete")]
    [InlineData("lpush")]
    [InlineData("rpush")]
    [InlineData("ldelete")]
    public async Task A_write_that_a_paused_node_kept_from_its_quorum_is_indeterminate_and_visible_after_the_node_resumes(string operation)
    {
        await using var cluster = await RedisCluster.StartAsync();
        var client = await cluster.CreateClientAsync(o => o.NodeTimeout = TimeSpan.FromSeconds(1));
        var profiles = client.GetValueStore(Profile.Descriptor);
        var chat = client.GetListStore(ChatMessage.Descriptor);
        await profiles.SetAsync(Key, new Profile { Id = 1, Name = "before" }, WriteOptions.All);
        await chat.PushRightAsync(ListKey, ChatMessage.Of("before"), WriteOptions.All);

        cluster[2].Pause();
        QuorumNotReachedException error;
        try
        {
            error = await Assert.ThrowsAsync<QuorumNotReachedException>(async () =>
            {
                switch (operation)
                {
                    case "set": await profiles.SetAsync(Key, new Profile { Id = 1, Name = "during" }, WriteOptions.All); break;
                    case "delete": await profiles.DeleteAsync(Key, WriteOptions.All); break;
                    case "lpush": await chat.PushLeftAsync(ListKey, ChatMessage.Of("during"), WriteOptions.All); break;
                    case "rpush": await chat.PushRightAsync(ListKey, ChatMessage.Of("during"), WriteOptions.All); break;
                    default: await chat.DeleteAsync(ListKey, WriteOptions.All); break;
                }
            });
        }
        finally
        {
            cluster[2].Resume();
        }

        Assert.True(error.IsIndeterminate, error.Message);
        Assert.Equal(2, error.Acknowledged);
        Assert.Contains(error.Outcomes[2].Kind, new[] { NodeOutcomeKind.TimedOut, NodeOutcomeKind.Pending });

        // Visible to a quorum read, and on the node that hung once it runs what it was sent (or a hint replays it).
        switch (operation)
        {
            case "set":
                Assert.Equal("during", (await profiles.GetAsync(Key))?.Name);
                await Eventually.HoldsAsync(async () => await cluster.VersionAsync(2, Key) == await cluster.VersionAsync(0, Key), "node 2 holds the write", TimeSpan.FromSeconds(20));
                break;
            case "delete":
                Assert.Null(await profiles.GetAsync(Key));
                await Eventually.HoldsAsync(async () => (await cluster.MetaAsync(2, Key)).GetValueOrDefault("t") == "1", "node 2 holds the tombstone", TimeSpan.FromSeconds(20));
                break;
            case "ldelete":
                Assert.Equal(0, await chat.LengthAsync(ListKey));
                await Eventually.HoldsAsync(() => cluster.ConvergedAsync(ListKey, 0), "node 2 deleted the list", TimeSpan.FromSeconds(20));
                break;
            default:
                Assert.Contains("during", (await chat.RangeAsync(ListKey)).Select(m => m.Text));
                await Eventually.HoldsAsync(() => cluster.ConvergedAsync(ListKey, 2), "node 2 holds the pushed element", TimeSpan.FromSeconds(20));
                break;
        }
    }

    [Theory]
    [InlineData("lpop")]
    [InlineData("rpop")]
    [InlineData("lrem")]
    [InlineData("ltrim")]
    public async Task A_list_operation_whose_read_step_misses_its_quorum_is_definitely_not_applied(string operation)
    {
        await using var cluster = await RedisCluster.StartAsync();
        var client = await cluster.CreateClientAsync(o => o.NodeTimeout = TimeSpan.FromSeconds(1));
        var chat = client.GetListStore(ChatMessage.Descriptor);
        await chat.PushRightAsync(ListKey, [ChatMessage.Of("a"), ChatMessage.Of("b"), ChatMessage.Of("c")], WriteOptions.All);

        cluster[2].Pause();
        QuorumNotReachedException error;
        try
        {
            error = await Assert.ThrowsAsync<QuorumNotReachedException>(async () =>
            {
                switch (operation)
                {
                    case "lpop": await chat.PopLeftAsync(ListKey, WriteOptions.All); break;
                    case "rpop": await chat.PopRightAsync(ListKey, WriteOptions.All); break;
                    case "lrem": await chat.RemoveAsync(ListKey, ChatMessage.Of("b"), WriteOptions.All); break;
                    default: await chat.TrimAsync(ListKey, 0, 0, WriteOptions.All); break;
                }
            });
        }
        finally
        {
            cluster[2].Resume();
        }

        // Pop, remove and trim read the list with W before removing anything: that read failed, nothing was removed.
        Assert.False(error.IsIndeterminate, error.Message);
        Assert.Contains(error.Operation, new[] { "lrange", "list_repair" });
        Assert.Equal(["a", "b", "c"], (await chat.RangeAsync(ListKey, options: ReadOptions.All)).Select(m => m.Text));
    }

    [Fact]
    public async Task A_write_cancelled_while_a_node_hangs_is_indeterminate_and_becomes_visible()
    {
        await using var cluster = await RedisCluster.StartAsync();
        var client = await cluster.CreateClientAsync(o => o.NodeTimeout = TimeSpan.FromSeconds(1));
        var profiles = client.GetValueStore(Profile.Descriptor);

        cluster[2].Pause();
        try
        {
            using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
                await profiles.SetAsync(Key, new Profile { Id = 1, Name = "cancelled" }, WriteOptions.All, cancel.Token));
        }
        finally
        {
            cluster[2].Resume();
        }

        // The caller gave up waiting; the nodes did not: the write took effect.
        Assert.Equal("cancelled", (await profiles.GetAsync(Key))?.Name);
        await Eventually.HoldsAsync(async () => await cluster.VersionAsync(2, Key) == await cluster.VersionAsync(0, Key), "node 2 holds the write", TimeSpan.FromSeconds(20));
    }
}
