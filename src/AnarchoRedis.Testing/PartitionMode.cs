namespace AnarchoRedis.Testing;

/// <summary>How a <see cref="TcpProxy"/> cuts a node off.</summary>
public enum PartitionMode
{
    /// <summary>
    /// Nothing is forwarded either way; bytes and new connections wait in the proxy and are delivered on
    /// <see cref="TcpProxy.Heal"/>, as TCP retransmission would after a short partition.
    /// </summary>
    Stall,

    /// <summary>Every open connection is reset (RST) and new ones are reset at once, until healed.</summary>
    Reset,
}
