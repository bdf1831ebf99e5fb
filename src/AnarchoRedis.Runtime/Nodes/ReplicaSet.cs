using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace AnarchoRedis;

/// <summary>The N nodes. Nodes never talk to each other; this is all the cluster there is.</summary>
internal sealed class ReplicaSet : IAsyncDisposable
{
    private ReplicaSet(ReplicaNode[] nodes) => Nodes = new NodeList(nodes);

    /// <summary>The nodes, in configuration order (<see cref="ReplicaNode.Index"/> is the position).</summary>
    public NodeList Nodes { get; }

    public int Count => Nodes.Count;

    private int _rotation;

    /// <summary>
    /// The order a targeted read asks nodes in: nodes whose answer can count (circuit closed, epoch ready and verified)
    /// first, then the others; each group rotated by one per call, so reads spread evenly over the healthy nodes.
    /// </summary>
    public int[] ReadOrder()
    {
        var count = Count;
        var order = new int[count];
        var start = (int)((uint)Interlocked.Increment(ref _rotation) % (uint)count);
        var usable = 0;
        var last = count;
        for (var i = 0; i < count; i++)
        {
            var index = start + i < count ? start + i : start + i - count;
            var health = Nodes[index].Health;
            if (!health.IsOpen && health.CountsForReads)
            {
                order[usable++] = index;
            }
            else
            {
                order[--last] = index;
            }
        }

        // The unusable ones were placed from the end backwards; restore their rotation order.
        Array.Reverse(order, usable, count - usable);
        return order;
    }

    /// <summary>The majority, N / 2 + 1.</summary>
    public int Majority => (Count / 2) + 1;

    public static async Task<ReplicaSet> ConnectAsync(AnarchoRedisOptions options)
    {
        var connecting = options.Nodes.Select((configuration, index) => ReplicaNode.ConnectAsync(index, configuration, options)).ToArray();
        try
        {
            return new ReplicaSet(await Task.WhenAll(connecting).ConfigureAwait(false));
        }
        catch
        {
            foreach (var task in connecting.Where(t => t.IsCompletedSuccessfully))
            {
                await task.Result.DisposeAsync().ConfigureAwait(false);
            }

            throw;
        }
    }

    /// <summary>
    /// A replica set whose node <c>i</c> is named <c>options.Nodes[i]</c> and answers through <paramref name="channels"/>[i]
    /// instead of a connection: for benchmarks of the operation path with the network replaced.
    /// </summary>
    /// <exception cref="ArgumentException">There is not one channel per configured node.</exception>
    internal static ReplicaSet FromChannels(IReadOnlyList<INodeChannel> channels, AnarchoRedisOptions options)
    {
        ArgumentNullException.ThrowIfNull(channels);
        ArgumentNullException.ThrowIfNull(options);
        if (channels.Count != options.Nodes.Count)
        {
            throw new ArgumentException($"One channel per configured node is needed: {channels.Count} channels for {options.Nodes.Count} nodes.", nameof(channels));
        }

        var nodes = new ReplicaNode[channels.Count];
        for (var i = 0; i < nodes.Length; i++)
        {
            nodes[i] = ReplicaNode.FromChannel(i, options.Nodes[i], channels[i], options.Health.FailureThreshold, options.NodeTimeout);
        }

        return new ReplicaSet(nodes);
    }

    /// <summary>Turns a consistency level (or explicit count) into a number of nodes.</summary>
    public int Required(int? explicitCount, params ReadOnlySpan<Consistency> levels)
    {
        if (explicitCount is { } count)
        {
            if (count < 1 || count > Count)
            {
                throw new ArgumentOutOfRangeException(nameof(explicitCount), count, $"An explicit quorum must be between 1 and the node count ({Count}).");
            }

            return count;
        }

        foreach (var level in levels)
        {
            switch (level)
            {
                case Consistency.One: return 1;
                case Consistency.Quorum: return Majority;
                case Consistency.All: return Count;
            }
        }

        return Majority;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in Nodes)
        {
            await node.DisposeAsync().ConfigureAwait(false);
        }
    }
}
