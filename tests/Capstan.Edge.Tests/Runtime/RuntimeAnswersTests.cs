using Capstan.Edge.Lifecycle;
using Capstan.Edge.Routing;
using Capstan.Edge.Runtime;

namespace Capstan.Edge.Tests.Runtime;

/// <summary>Parsing HAProxy 2.6's answers, copied from a real one.</summary>
public sealed class RuntimeAnswersTests
{
    [Fact]
    public void ServersState_IsReadByColumnName()
    {
        const string answer = """
            1
            # be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight srv_iweight srv_time_since_last_change srv_check_status srv_check_result srv_check_health srv_check_state srv_agent_state bk_f_forced_id srv_f_forced_id srv_fqdn srv_port srvrecord srv_use_ssl srv_check_port srv_check_addr srv_agent_addr srv_agent_port
            4 be 1 s1 ::1 2 0 100 100 0 1 0 2 0 0 0 0 - 19001 - 0 0 - - 0
            4 be 2 s2 127.0.0.1 2 8 25 0 0 1 0 2 0 0 0 0 - 19002 - 0 0 - - 0
            4 be 3 s3 127.0.0.1 0 5 100 100 0 1 0 0 8 0 0 0 - 19003 - 0 0 - - 0


            """;

        var rows = ServerStateRow.Parse(answer);

        rows.Select(r => (r.Server, r.Address, r.Weight, r.State)).ShouldBe([
            ("s1", "[::1]:19001", 100, EdgeServerState.Ready),
            ("s2", "127.0.0.1:19002", 25, EdgeServerState.Drain),
            ("s3", "127.0.0.1:19003", 100, EdgeServerState.Maint),
        ]);
        rows[0].Backend.ShouldBe("be");
    }

    [Fact]
    public void ServersState_OfAnError_QuotesHaproxy()
    {
        Should.Throw<EdgeException>(() => ServerStateRow.Parse("Can't find backend.\n\n")).Message.ShouldContain("Can't find backend.");
    }

    [Fact]
    public void Stat_IsReadAsRecordsByColumnName()
    {
        const string answer = """
            # pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,dreq,dresp,ereq,econ,eresp,wretr,wredis,status,weight,act,bck,chkfail,chkdown,lastchg,downtime,qlimit,pid,iid,sid,throttle,lbtot,tracked,type,rate,rate_lim,rate_max,check_status,check_code,check_duration,hrsp_1xx,hrsp_2xx,hrsp_3xx,hrsp_4xx,hrsp_5xx,hrsp_other
            capstan_edge,FRONTEND,,,0,1,9980,6,495,2215,0,0,0,,,,,OPEN,,,,,,,,,1,2,0,,,,0,3,0,3,,,,0,0,0,6,0,0
            be,s1,0,0,2,3,,17,88,500,,0,,0,0,4,1,DRAIN,0,1,0,,,0,,,1,4,1,,1,,2,0,,1,,,,0,10,0,1,6,0

            """;

        var rows = StatRow.Parse(answer);

        rows.Count.ShouldBe(2);
        rows[0].Type.ShouldBe(StatRowType.Frontend);
        rows[1].ShouldSatisfyAllConditions(
            r => r.Proxy.ShouldBe("be"),
            r => r.Name.ShouldBe("s1"),
            r => r.Type.ShouldBe(StatRowType.Server),
            r => r.CurrentSessions.ShouldBe(2),
            r => r.TotalSessions.ShouldBe(17),
            r => r.Status.ShouldBe("DRAIN"),
            r => r.Weight.ShouldBe(0),
            r => r.Responses5xx.ShouldBe(6),
            r => r.Retries.ShouldBe(4),
            r => r.Redispatches.ShouldBe(1),
            r => r.Fields["bout"].ShouldBe("500"));
    }

    [Fact]
    public void ShowProc_GivesTheMastersCountersAndWorkers()
    {
        const string answer = """
            #<PID>          <type>          <reloads>       <uptime>        <version>
            18167           master          2 [failed: 1]   0d00h00m19s     2.6.12-1+deb12u4
            # workers
            18447           worker          0               0d00h00m01s     2.6.12-1+deb12u4
            18300           worker          1               0d00h00m09s     2.6.12-1+deb12u4
            # programs

            """;

        var status = MasterStatus.TryParse(answer).ShouldNotBeNull();

        status.MasterPid.ShouldBe(18167);
        status.Reloads.ShouldBe(2);
        status.FailedReloads.ShouldBe(1);
        status.Workers.Select(w => (w.Pid, w.Reloads)).ShouldBe([(18447, 0), (18300, 1)]);
        status.CurrentWorkers.Select(w => w.Pid).ShouldBe([18447]);
        MasterStatus.TryParse("Unknown command.\n").ShouldBeNull();
    }
}
