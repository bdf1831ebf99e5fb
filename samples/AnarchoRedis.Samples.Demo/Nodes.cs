using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Net;
using System.Threading;
using System.Threading.Tasks;
using AnarchoRedis.Testing;

namespace AnarchoRedis.Samples.Demo;

/// <summary>One node of the demo's replica set: something the demo can take away from the client and bring back.</summary>
internal interface IDemoNode : IAsyncDisposable
{
    /// <summary>host:port the AnarchoRedis client connects to.</summary>
    string EndPoint { get; }

    /// <summary>host:port of the server itself, for the demo's direct inspection connection.</summary>
    string DirectEndPoint { get; }

    /// <summary>Whether the demo started this node itself (and so may kill it and start it again empty).</summary>
    bool OwnedByDemo { get; }

    /// <summary>Whether the client can reach the node.</summary>
    bool IsRunning { get; }

    /// <summary>Takes the node away: a started node is killed (its data is lost); a given node's connection is cut.</summary>
    ValueTask StopAsync();

    /// <summary>Brings the node back: a started node on the same port, empty; a given node with the data it kept.</summary>
    ValueTask StartAsync();
}

/// <summary>
/// A node given on the command line. The demo never stops or wipes it: the client reaches it through an in-process
/// TCP proxy of the testing kit, and "node down" is the proxy cutting every connection.
/// </summary>
internal sealed class ExternalNode : IDemoNode
{
    private readonly TcpProxy _proxy;

    private ExternalNode(string endPoint, TcpProxy proxy)
    {
        DirectEndPoint = endPoint;
        _proxy = proxy;
    }

    public string EndPoint => _proxy.EndPoint;

    public string DirectEndPoint { get; }

    public bool OwnedByDemo => false;

    public bool IsRunning => !_proxy.IsPartitioned;

    public static async Task<ExternalNode> StartAsync(string endPoint, CancellationToken cancellationToken)
    {
        var colon = endPoint.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(endPoint.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            throw new ArgumentException($"'{endPoint}' is not host:port.", nameof(endPoint));
        }

        var host = endPoint[..colon].Trim('[', ']');
        var address = IPAddress.TryParse(host, out var parsed)
            ? parsed
            : (await Dns.GetHostAddressesAsync(host, cancellationToken).ConfigureAwait(false)).First();
        return new ExternalNode(endPoint, TcpProxy.Start(new IPEndPoint(address, port)));
    }

    public ValueTask StopAsync()
    {
        _proxy.Partition(PartitionMode.Reset);
        return ValueTask.CompletedTask;
    }

    public ValueTask StartAsync()
    {
        _proxy.Heal();
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync() => _proxy.DisposeAsync();
}

/// <summary>
/// A node the demo started through the testing kit (<c>src/AnarchoRedis.Testing</c>): an in-process Garnet server or
/// a redis-server process, memory only, on a free loopback port it keeps across restarts.
/// </summary>
internal sealed class KitNode(LocalNode node) : IDemoNode
{
    public string EndPoint => node.EndPoint;

    public string DirectEndPoint => node.DirectEndPoint;

    public bool OwnedByDemo => true;

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

    public async ValueTask StartAsync() => await node.RestartAsync(RestartMode.LoseData).ConfigureAwait(false);

    public ValueTask DisposeAsync() => node.DisposeAsync();
}
