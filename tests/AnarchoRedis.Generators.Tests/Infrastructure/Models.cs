namespace AnarchoRedis.Generators.Tests.Infrastructure;

/// <summary>Model sources shared by the snapshot, compilation and incremental tests.</summary>
internal static class Models
{
    public const string User = """
        using AnarchoRedis;

        namespace Samples.Models;

        [ReplicatedKey("user:{Id}")]
        public sealed class User
        {
            public int Id { get; set; }

            public string Name { get; set; } = "";
        }
        """;

    // Several placeholders of every kind, a record class, a nested namespace, the global namespace,
    // attribute settings, and a list type that gets only a registry entry.
    public const string Order = """
        using AnarchoRedis;

        namespace Samples.Models
        {
            public enum OrderStatus { Open, Shipped }

            [ReplicatedKey("tenant:{TenantId}:order:{Id}:{Status}", Name = "order", ReadConsistency = Consistency.Quorum, WriteConsistency = Consistency.All, TimeToLiveSeconds = 3600)]
            public sealed class Order
            {
                public string TenantId { get; set; } = "";

                public long Id { get; init; }

                public OrderStatus Status { get; set; }
            }
        }
        """;

    public const string Invoice = """
        using System;
        using AnarchoRedis;

        namespace Samples.Models.Billing.Invoices;

        [ReplicatedKey("invoice:{Number}")]
        public sealed record class Invoice(Guid Number, decimal Amount);
        """;

    public const string Counter = """
        using AnarchoRedis;

        [ReplicatedKey("counter:{Shard}/{Slot}/{Small}/{Tiny}/{Unsigned}")]
        public class Counter
        {
            public ulong Shard { get; set; }

            public ushort Slot { get; set; }

            public short Small { get; set; }

            public sbyte Tiny { get; set; }

            public uint Unsigned { get; set; }
        }
        """;

    public const string ChatMessage = """
        using AnarchoRedis;

        namespace Samples.Models.Chat;

        [ReplicatedList("chat:{RoomId}:{Channel}", TimeToLiveSeconds = 86400)]
        public sealed class ChatMessage
        {
            public int RoomId { get; set; }

            public string Text { get; set; } = "";
        }
        """;

    public static readonly string[] Representative = { User, Order, Invoice, Counter, ChatMessage };

    public const string Unrelated = """
        namespace Samples.Other;

        public static class Clock
        {
            public static int Ticks => 42;
        }
        """;

    // List models for the list repository tests, one per file so an edit touches one model only.
    // {RoomId} is typed after the int property; {Channel} names no property, so it is a string.
    public const string ListChat = """
        using AnarchoRedis;

        namespace Samples.Models.Lists;

        [ReplicatedList("chat:{RoomId}:{Channel}")]
        public sealed class ChatMessage
        {
            public int RoomId { get; set; }

            public string Text { get; set; } = "";
        }
        """;

    // Guid, enum and long parts; {Items} (no property: string) and {Start} (int) would shadow the methods' own parameters.
    public const string ListJob = """
        using System;
        using AnarchoRedis;

        namespace Samples.Models.Lists;

        public enum Priority { Low, High }

        [ReplicatedList("jobs:{QueueId}:{Priority}:{Shard}:{Items}:{Start}", WriteConsistency = Consistency.All, TimeToLiveSeconds = 600, MaxLength = 100)]
        public sealed class Job
        {
            public Guid QueueId { get; set; }

            public Priority Priority { get; set; }

            public long Shard { get; set; }

            public int Start { get; set; }
        }
        """;

    // Both attributes: IRoomRepository and IRoomListRepository, over the Room and RoomList descriptors.
    public const string ListRoom = """
        using AnarchoRedis;

        namespace Samples.Models.Lists;

        [ReplicatedKey("room:{Id}", Name = "room")]
        [ReplicatedList("room-log:{Id}", Name = "room-log")]
        public sealed class Room
        {
            public int Id { get; set; }
        }
        """;

    // Internal: its list repository is internal too.
    public const string ListAudit = """
        using AnarchoRedis;

        namespace Samples.Models.Audit;

        [ReplicatedList("audit:{Tenant}")]
        internal sealed class AuditEntry
        {
            public string Tenant { get; set; } = "";
        }
        """;

    public static readonly string[] Lists = { ListChat, ListJob, ListRoom, ListAudit };
}
