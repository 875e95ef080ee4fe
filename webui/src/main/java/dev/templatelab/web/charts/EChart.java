package dev.templatelab.web.charts;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.vaadin.flow.component.AttachEvent;
import com.vaadin.flow.component.Tag;
import com.vaadin.flow.component.dependency.JavaScript;
import com.vaadin.flow.component.html.Div;

import java.util.Map;

/**
 * An Apache ECharts chart: give it an ECharts option object (as a map) and it draws it. ECharts is
 * loaded from its WebJar ({@code context://} makes Vaadin load it as a plain script, not a frontend
 * import, so no npm bundle is rebuilt). The chart is initialised on the first non-zero size (an
 * instance created while its div is 0 px wide draws some series as nothing) and options wait until then.
 */
@Tag("div")
@JavaScript("context://webjars/echarts/5.3.1/dist/echarts.min.js")
public class EChart extends Div {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static final String INIT = """
            const el = this;
            if (!el.__tl) {
              el.__tl = {chart: null, pending: null};
              const ready = () => {
                if (el.clientWidth > 0 && el.clientHeight > 0) {
                  if (!el.__tl.chart) {
                    el.__tl.chart = echarts.init(el);
                    if (el.__tl.pending) { el.__tl.chart.setOption(el.__tl.pending, true); el.__tl.pending = null; }
                  } else {
                    el.__tl.chart.resize();
                  }
                }
              };
              el.__tl.set = (option) => {
                if (el.__tl.chart) { el.__tl.chart.setOption(option, true); } else { el.__tl.pending = option; ready(); }
              };
              new ResizeObserver(ready).observe(el);
            }
            """;

    private String optionJson = "{}";

    public EChart() {
        addClassName("tl-chart");
        setWidthFull();
        setHeight("340px");
    }

    /** Replaces what the chart shows with this ECharts option (maps, lists, strings and numbers). */
    public void setOption(Map<String, ?> option) {
        try {
            optionJson = JSON.writeValueAsString(option);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("chart option is not JSON-able: " + e.getMessage(), e);
        }
        if (isAttached()) {
            push();
        }
    }

    /** The option last set, as JSON (what tests look at). */
    public String getOptionJson() {
        return optionJson;
    }

    @Override
    protected void onAttach(AttachEvent attachEvent) {
        super.onAttach(attachEvent);
        getElement().executeJs(INIT);
        push();
    }

    private void push() {
        getElement().executeJs("this.__tl.set(JSON.parse($0))", optionJson);
    }
}
