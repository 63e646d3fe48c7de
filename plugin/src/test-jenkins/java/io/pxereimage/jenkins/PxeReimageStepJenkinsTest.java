package io.pxereimage.jenkins;

import static org.assertj.core.api.Assertions.assertThat;

import org.jenkinsci.plugins.structs.SymbolLookup;
import org.jenkinsci.plugins.workflow.cps.CpsFlowDefinition;
import org.jenkinsci.plugins.workflow.job.WorkflowJob;
import org.jenkinsci.plugins.workflow.job.WorkflowRun;
import org.jenkinsci.plugins.workflow.steps.StepDescriptor;
import org.junit.jupiter.api.Test;
import org.jvnet.hudson.test.JenkinsRule;
import org.jvnet.hudson.test.junit.jupiter.WithJenkins;

import hudson.model.Result;

/** Real Jenkins and Pipeline (profile jenkins only): the step's name and symbol, and a failure with its reason. */
@WithJenkins
class PxeReimageStepJenkinsTest {
    @Test
    void stepIsCalledPxeReimage(JenkinsRule j) {
        assertThat(StepDescriptor.byFunctionName("pxeReimage")).isInstanceOf(PxeReimageStep.DescriptorImpl.class);
        assertThat(SymbolLookup.get().findDescriptor(org.jenkinsci.plugins.workflow.steps.Step.class, "pxeReimage"))
                .isInstanceOf(PxeReimageStep.DescriptorImpl.class);
    }

    @Test
    void unreachableRuntimeFailsTheBuildWithTheReason(JenkinsRule j) throws Exception {
        PxeGlobalConfiguration g = PxeGlobalConfiguration.get();
        g.setMode(PxeCloud.MODE_REMOTE);
        g.setRuntimeUrl("http://127.0.0.1:9"); // discard port: nothing listens
        WorkflowJob p = j.createProject(WorkflowJob.class, "reimage");
        p.setDefinition(new CpsFlowDefinition("pxeReimage machines: ['r1'], image: 'ubuntu-24.04'", true));

        WorkflowRun b = j.assertBuildStatus(Result.FAILURE, p.scheduleBuild2(0));

        j.assertLogContains("pxeReimage: r1: not started: POST /api/v1/machines/r1/reimage: cannot connect to the"
                + " runtime at http://127.0.0.1:9", b);
        j.assertLogContains("pxeReimage: 1 of 1 machine failed", b);
    }
}
