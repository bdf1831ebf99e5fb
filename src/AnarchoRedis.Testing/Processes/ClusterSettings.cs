using System;

namespace AnarchoRedis.Testing.Processes;

/// <summary>How one redis-server runs in cluster mode.</summary>
/// <param name="BusPort">Its cluster bus port (<c>--cluster-port</c>), picked free rather than port + 10000.</param>
/// <param name="AnnouncePort">The client port it announces in CLUSTER SLOTS/NODES, MOVED and ASK: its proxy's port when proxied.</param>
/// <param name="NodeTimeout">The cluster node timeout.</param>
/// <param name="Password">The default user's password (replicas authenticate to their primary with it), or null.</param>
internal sealed record ClusterSettings(int BusPort, int AnnouncePort, TimeSpan NodeTimeout, string? Password);
