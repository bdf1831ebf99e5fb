using StackExchange.Redis;

namespace AnarchoRedis;

/// <summary>Pipelined batches of commands to one node (anti-entropy's and hint replay's bulk reads and settles).</summary>
internal static class NodeBatch
{
    /// <summary>
    /// Sends a batch. With no connection to the node, StackExchange.Redis fails every command of the batch and then
    /// throws as well: the failed commands report it, each where it is awaited (a pass then counts the node
    /// unreachable), so the throw is not repeated here.
    /// </summary>
    public static void Send(IBatch batch)
    {
        try
        {
            batch.Execute();
        }
        catch (RedisConnectionException)
        {
            // Every command of the batch has failed with it.
        }
    }
}
