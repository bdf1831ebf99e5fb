using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using AnarchoRedis.Testing;

namespace AnarchoRedis.Samples.Demo;

/// <summary>One node of the demo's replica set: something the demo may be able to stop and start again.</summary>
internal interface IDemoNode : IAsyncDisposable
{
    /// <summary>host:port, as given to AnarchoRedis and to the direct inspection connection.</summary>
    string EndPoint { get; }

    /// <summary>Whether the demo started this node itself (and so can stop it and bring it back).</summary>
    bool CanRestart { get; }

    bool IsRunning { get; }

    /// <summary>Stops the node (its data is lost).</summary>
    ValueTask StopAsync();

    /// <summary>Starts the node again on the same port, empty.</summary>
    ValueTask StartEmptyAsync();
}

/// <summary>A node given on the command line: the demo never stops it.</summary>
internal sealed class ExternalNode(string endPoint) : IDemoNode
{
    public string EndPoint { get; } = endPoint;

    public bool CanRestart => false;

    public bool IsRunning => true;

    public ValueTask StopAsync() => throw new NotSupportedException("The demo does not stop nodes it did not start.");

    public ValueTask StartEmptyAsync() => throw new NotSupportedException("The demo does not start nodes it did not start.");

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

/// <summary>
/// A node the demo started through the testing kit (<c>src/AnarchoRedis.Testing</c>): an in-process Garnet server or
/// a redis-server process, memory only, on a free loopback port it keeps across restarts.
/// </summary>
internal sealed class KitNode(LocalNode node) : IDemoNode
{
    public string EndPoint => node.EndPoint;

    public bool CanRestart => true;

    public bool IsRunning => node.IsRunning;

    /// <summary>Starts three nodes (no proxies: the demo only stops and restarts them).</summary>
    public static async Task<IReadOnlyList<KitNode>> StartAsync(LocalNodeBackend backend, CancellationToken cancellationToken)
    {
        var cluster = await LocalCluster.StartAsync(new LocalClusterOptions { NodeCount = 3, Backend = backend, Proxies = false }, cancellationToken).ConfigureAwait(false);
        return [.. cluster.Nodes.Select(n => new KitNode(n))];
    }

    public ValueTask StopAsync()
    {
        node.Kill();
        return ValueTask.CompletedTask;
    }

    public async ValueTask StartEmptyAsync() => await node.RestartAsync(RestartMode.LoseData).ConfigureAwait(false);

    public ValueTask DisposeAsync() => node.DisposeAsync();
}
