using System.Collections.Generic;
using System.Net;
using System.Threading;
using System.Threading.Tasks;
using StackExchange.Redis.Configuration;

namespace AnarchoRedis.Testing.Processes;

/// <summary>
/// Connects to a node's own port when StackExchange.Redis asks for the port it announces (its proxy's): the replicas'
/// direct connections follow MOVED and ASK like any client, yet never pass through a proxy's faults.
/// </summary>
/// <param name="ports">Announced port to the node's own port.</param>
internal sealed class EndPointTunnel(IReadOnlyDictionary<int, int> ports) : Tunnel
{
    /// <inheritdoc />
    public override ValueTask<EndPoint?> GetSocketConnectEndpointAsync(EndPoint endpoint, CancellationToken cancellationToken) =>
        endpoint is IPEndPoint ip && ports.TryGetValue(ip.Port, out var own)
            ? new ValueTask<EndPoint?>(new IPEndPoint(ip.Address, own))
            : base.GetSocketConnectEndpointAsync(endpoint, cancellationToken);
}
