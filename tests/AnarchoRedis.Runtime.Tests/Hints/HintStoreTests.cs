using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using Xunit;

namespace AnarchoRedis.Runtime.Tests.Hints;

public sealed class HintStoreTests
{
    [Fact]
    public void A_key_missed_twice_is_one_hint_with_the_latest_type_name()
    {
        var store = new HintStore(nodeCount: 3, maxPerNode: 10);

        Assert.Equal(HintAddResult.Added, store.Add(2, "user:1", "tests.user"));
        Assert.Equal(HintAddResult.Refreshed, store.Add(2, "user:1", "tests.user.v2"));

        Assert.Equal(1, store.Pending(2));
        var hint = Assert.Single(store.Take(2, 10));
        Assert.Equal("user:1", hint.Key);
        Assert.Equal("tests.user.v2", hint.TypeName);
    }

    [Fact]
    public void Hints_are_kept_per_node()
    {
        var store = new HintStore(3, 10);
        store.Add(0, "a", "t");
        store.Add(2, "a", "t");
        store.Add(2, "b", "t");

        Assert.Equal([1, 0, 2], new[] { store.Pending(0), store.Pending(1), store.Pending(2) });
        Assert.Empty(store.Take(1, 10));
        Assert.Equal(["a", "b"], store.Take(2, 10).Select(h => h.Key).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Beyond_the_bound_new_keys_are_dropped_and_counted_but_pending_keys_still_refresh()
    {
        var store = new HintStore(1, maxPerNode: 3);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HintAddResult.Added, store.Add(0, $"k{i}", "t"));
        }

        Assert.Equal(HintAddResult.Dropped, store.Add(0, "k3", "t"));
        Assert.Equal(HintAddResult.Dropped, store.Add(0, "k4", "t"));
        Assert.Equal(HintAddResult.Refreshed, store.Add(0, "k1", "t"));

        Assert.Equal(3, store.Pending(0));
        Assert.Equal(2, store.Dropped(0));
        Assert.DoesNotContain(store.Take(0, 10), h => h.Key is "k3" or "k4");
    }

    [Fact]
    public void Take_leaves_hints_in_place_and_respects_its_limit()
    {
        var store = new HintStore(1, 100);
        for (var i = 0; i < 10; i++)
        {
            store.Add(0, $"k{i}", "t");
        }

        Assert.Equal(4, store.Take(0, 4).Count);
        Assert.Equal(10, store.Pending(0));
    }

    [Fact]
    public void Removing_a_replayed_hint_frees_its_place()
    {
        var store = new HintStore(1, 1);
        store.Add(0, "a", "t");
        var hint = Assert.Single(store.Take(0, 1));

        Assert.True(store.Remove(0, hint));

        Assert.Equal(0, store.Pending(0));
        Assert.Equal(HintAddResult.Added, store.Add(0, "b", "t"));
        Assert.False(store.Remove(0, hint));
    }

    [Fact]
    public void A_hint_recorded_again_during_its_replay_survives_the_replay()
    {
        var store = new HintStore(1, 10);
        store.Add(0, "a", "t");
        var replaying = Assert.Single(store.Take(0, 1));

        // A newer write missed the node while the replay was comparing the key: the replay's copy may predate it.
        store.Add(0, "a", "t");

        Assert.False(store.Remove(0, replaying));
        Assert.Equal(1, store.Pending(0));
        var again = Assert.Single(store.Take(0, 1));
        Assert.True(store.Remove(0, again));
        Assert.Equal(0, store.Pending(0));
    }

    [Fact]
    public async Task Concurrent_adds_never_exceed_the_bound_and_every_add_is_accounted_for()
    {
        const int max = 500;
        var store = new HintStore(1, max);
        var results = new HintAddResult[8][];
        await Task.WhenAll(Enumerable.Range(0, 8).Select(t => Task.Run(() =>
        {
            var mine = new HintAddResult[1000];
            for (var i = 0; i < mine.Length; i++)
            {
                // Half the keys are shared between threads, half are each thread's own.
                mine[i] = store.Add(0, i % 2 == 0 ? $"shared:{i}" : $"own:{t}:{i}", "t");
            }

            results[t] = mine;
        })));

        var all = results.SelectMany(r => r).ToArray();
        var keys = store.Take(0, int.MaxValue);
        Assert.Equal(max, store.Pending(0));
        Assert.Equal(max, keys.Count);
        Assert.Equal(max, keys.Select(h => h.Key).Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(max, all.Count(r => r == HintAddResult.Added));
        Assert.Equal(store.Dropped(0), all.Count(r => r == HintAddResult.Dropped));
    }

    [Fact]
    public async Task Concurrent_adds_and_removes_keep_the_count_equal_to_the_keys_held()
    {
        var store = new HintStore(1, 1_000_000);
        var adders = Enumerable.Range(0, 4).Select(t => Task.Run(() =>
        {
            for (var i = 0; i < 5000; i++)
            {
                store.Add(0, $"k{i % 300}", "t");
            }
        }));
        var removers = Enumerable.Range(0, 2).Select(_ => Task.Run(() =>
        {
            for (var round = 0; round < 200; round++)
            {
                foreach (var hint in store.Take(0, 50))
                {
                    store.Remove(0, hint);
                }
            }
        }));

        await Task.WhenAll(adders.Concat(removers));

        Assert.Equal(store.Take(0, int.MaxValue).Count, store.Pending(0));
    }

    [Fact]
    public void Hint_options_defaults_are_the_documented_ones_and_valid()
    {
        var options = new AnarchoRedisOptions { Nodes = ["127.0.0.1:6379"] };

        Assert.True(options.Hints.Enabled);
        Assert.Equal(100_000, options.Hints.MaxPerNode);
        Assert.Equal(TimeSpan.FromSeconds(1), options.Hints.ReplayInterval);
        Assert.Equal(256, options.Hints.BatchSize);
        Assert.False(options.Hints.Durable);
        Assert.Equal("anrcho_hints:", options.Hints.StreamPrefix);
        Assert.True(new AnarchoRedisOptionsValidator().Validate(null, options).Succeeded);
    }

    [Theory]
    [InlineData("MaxPerNode")]
    [InlineData("ReplayInterval")]
    [InlineData("BatchSize")]
    [InlineData("StreamPrefix")]
    [InlineData("StreamPrefixOverlap")]
    public void Each_bad_hint_setting_is_named_in_the_error(string setting)
    {
        var options = new AnarchoRedisOptions { Nodes = ["127.0.0.1:6379"] };
        var hints = options.Hints;
        switch (setting)
        {
            case "MaxPerNode": hints.MaxPerNode = 0; break;
            case "ReplayInterval": hints.ReplayInterval = TimeSpan.Zero; break;
            case "BatchSize": hints.BatchSize = 0; break;
            case "StreamPrefix": hints.StreamPrefix = "hints:{x}"; break;
            default: hints.StreamPrefix = AnarchoRedisOptions.DefaultMetaKeyPrefix + "h:"; break;
        }

        var result = new AnarchoRedisOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains("Hints." + (setting == "StreamPrefixOverlap" ? "StreamPrefix" : setting), result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Keys_starting_with_the_hint_stream_prefix_are_rejected()
    {
        var keys = new KeySpace(AnarchoRedisOptions.DefaultMetaKeyPrefix, 1024, "anrcho_tomb:", "anrcho_slot:", epochKey: null, hintPrefix: HintOptions.DefaultStreamPrefix);

        var error = Assert.Throws<InvalidKeyException>(() => keys.MetaKey("anrcho_hints:127.0.0.1:6379"));

        Assert.Contains("hint stream prefix", error.Message, StringComparison.Ordinal);
        Assert.NotNull(keys.MetaKey("anrcho_hintsx"));
    }

    [Fact]
    public void A_read_quorum_failure_is_never_indeterminate_and_a_write_one_is_when_a_node_answered()
    {
        IReadOnlyList<NodeOutcome> outcomes = [new("a", NodeOutcomeKind.Applied), new("b", NodeOutcomeKind.TimedOut), new("c", NodeOutcomeKind.Failed)];

        Assert.False(new QuorumNotReachedException("lrange", "k", 2, outcomes, isWrite: false).IsIndeterminate);
        Assert.True(new QuorumNotReachedException("lpop", "k", 2, outcomes, isWrite: true).IsIndeterminate);
        Assert.False(new QuorumNotReachedException("set", "k", 2, [new("a", NodeOutcomeKind.Failed), new("b", NodeOutcomeKind.Skipped), new("c", NodeOutcomeKind.Failed)]).IsIndeterminate);
    }
}
