using System;
using System.Diagnostics;
using System.Threading.Tasks;
using Xunit.Sdk;

namespace AnarchoRedis.IntegrationTests.Infrastructure;

/// <summary>
/// Polls for a state that the library reaches in the background (a late replica's write, a background repair).
/// It waits for a condition, never asserts a speed: the deadline only bounds a test that would otherwise hang.
/// </summary>
public static class Eventually
{
    /// <summary>Polls until <paramref name="condition"/> holds, failing with <paramref name="because"/> at the deadline.</summary>
    /// <param name="condition">The condition.</param>
    /// <param name="because">What was expected, for the failure message.</param>
    /// <param name="timeout">The deadline; default 2 s.</param>
    /// <returns>A task that completes when the condition holds.</returns>
    public static async Task HoldsAsync(Func<Task<bool>> condition, string because, TimeSpan? timeout = null)
    {
        var limit = timeout ?? TimeSpan.FromSeconds(2);
        var watch = Stopwatch.StartNew();
        while (true)
        {
            if (await condition())
            {
                return;
            }

            if (watch.Elapsed > limit)
            {
                throw new XunitException($"Still not true after {limit.TotalSeconds:0.#} s: {because}");
            }

            await Task.Delay(20);
        }
    }

    /// <summary>
    /// Waits until <paramref name="client"/> reaches every node again (after a restart its multiplexer reconnects in
    /// the background), by writing a scratch key with W = All until that succeeds.
    /// </summary>
    /// <param name="client">The client.</param>
    /// <param name="key">The scratch key (a <see cref="Profile"/>).</param>
    /// <returns>A task that completes when every node acknowledged a write from the client.</returns>
    public static async Task ClientReachesAllNodesAsync(AnarchoRedisClient client, string key = "probe:reconnect")
    {
        var store = client.GetValueStore(Profile.Descriptor);
        var watch = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                await store.SetAsync(key, new Profile { Id = -1, Name = "probe" }, WriteOptions.All);
                return;
            }
            catch (QuorumNotReachedException) when (watch.Elapsed < TimeSpan.FromSeconds(10))
            {
                await Task.Delay(50);
            }
        }
    }
}
